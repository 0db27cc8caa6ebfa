"""Listing and reading the utility catalog, with zip pre-fill and its state fallback."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, replace

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.auth.service import AuthenticatedClient
from gridlink.errors import InvalidRequest, NotFound
from gridlink.kit.pagination import Page
from gridlink.models import Utility
from gridlink.utilities.repository import Criteria, Position, UtilityRepository
from gridlink.utilities.schemas import COMMODITIES, MatchedBy, UtilityOut
from gridlink.utilities.zip_states import state_for_zip

BAD_CURSOR = "cursor is not one this API issued: pass next_cursor from the previous page unchanged."


@dataclass(frozen=True)
class UtilityFilters:
    zip: str | None = None
    q: str | None = None
    state: str | None = None
    commodity: str | None = None


def encode_cursor(position: Position) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(list(position))).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> Position | None:
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode())
        rank, sort_name, utility_id = orjson.loads(raw)
    except (binascii.Error, ValueError, TypeError) as exc:
        raise InvalidRequest(BAD_CURSOR, fields=["cursor"]) from exc
    if not (isinstance(rank, int) and isinstance(sort_name, str) and isinstance(utility_id, str)):
        raise InvalidRequest(BAD_CURSOR, fields=["cursor"])
    return rank, sort_name, utility_id


def to_out(utility: Utility, states: list[str], matched_by: MatchedBy | None) -> UtilityOut:
    return UtilityOut(
        id=utility.id,
        name=utility.name,
        logo_url=utility.logo_url,
        states=states,
        commodities=[c for c in COMMODITIES if getattr(utility, c)],
        sign_in_kinds=utility.sign_in_kinds,
        mfa_methods=utility.mfa_methods,
        connector_id=utility.connector_id,
        forgot_password_url=utility.forgot_password_url,
        status=utility.status,
        environment=utility.environment,
        eia_ids=utility.eia_ids,
        matched_by=matched_by,
    )


async def _criteria_for(
    repo: UtilityRepository, environment: str, filters: UtilityFilters
) -> tuple[Criteria | None, MatchedBy | None]:
    """Zip search when zip data lists a matching utility; else the zip's state; else nothing."""
    criteria = Criteria(
        environment=environment,
        q=filters.q or None,
        states=(filters.state.upper(),) if filters.state else (),
        commodity=filters.commodity,
    )
    if filters.zip is None:
        return criteria, None
    by_zip = replace(criteria, zip=filters.zip)
    if await repo.any_match(by_zip):
        return by_zip, "zip"
    state = state_for_zip(filters.zip)
    if state is None:
        return None, None
    return replace(criteria, states=(*criteria.states, state)), "state"


async def list_utilities(
    session: AsyncSession,
    environment: str,
    filters: UtilityFilters,
    limit: int,
    cursor: str | None,
) -> Page[UtilityOut]:
    after = decode_cursor(cursor)
    repo = UtilityRepository(session)
    criteria, matched_by = await _criteria_for(repo, environment, filters)
    if criteria is None:
        return Page[UtilityOut](data=[], has_more=False, next_cursor=None)
    rows = await repo.page(criteria, after, limit)
    has_more = len(rows) > limit
    rows = rows[:limit]
    states = await repo.states_of([utility.id for utility, _ in rows])
    data = [to_out(utility, states[utility.id], matched_by) for utility, _ in rows]
    next_cursor = None
    if has_more:
        last, rank = rows[-1]
        next_cursor = encode_cursor((rank, last.sort_name, last.id))
    return Page[UtilityOut](data=data, has_more=has_more, next_cursor=next_cursor)


async def get_utility(
    session: AsyncSession, client: AuthenticatedClient, utility_id: str
) -> UtilityOut:
    repo = UtilityRepository(session)
    utility = await repo.get_visible(utility_id, client.environment)
    if utility is None:
        raise NotFound(
            f"No utility {utility_id!r} is available to this {client.environment} client; "
            "list them with GET /v1/utilities."
        )
    states = await repo.states_of([utility.id])
    return to_out(utility, states[utility.id], None)
