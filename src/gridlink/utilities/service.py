"""Listing and reading the utility catalog, with zip pre-fill and its state fallback."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from typing import cast

from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.auth.service import AuthenticatedClient
from gridlink.errors import InvalidRequest, NotFound
from gridlink.kit.pagination import Page
from gridlink.models import Utility
from gridlink.utilities.methods import MethodContext, method_context
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


# A utilities cursor is the last row's position, "<rank>.<sort name>.<id>" with both names as
# hex of their UTF-8 (no 00 byte: PostgreSQL text cannot hold NUL). Any string of this form is a
# position (a name that is not UTF-8 compares with replacement characters), so the documented
# pattern is exactly what is accepted.
_HEX_BYTE = "(?:0[1-9a-f]|[1-9a-f][0-9a-f])"
CURSOR_PATTERN = rf"^[0-9]{{1,6}}\.{_HEX_BYTE}{{0,300}}\.{_HEX_BYTE}{{1,100}}$"
_CURSOR = re.compile(CURSOR_PATTERN)


def _hex(text: str) -> str:
    return text.encode().hex()


def encode_cursor(position: Position) -> str:
    rank, sort_name, utility_id = position
    return f"{rank}.{_hex(sort_name)}.{_hex(utility_id)}"


def decode_cursor(cursor: str | None) -> Position | None:
    if cursor is None:
        return None
    if _CURSOR.fullmatch(cursor) is None:
        raise InvalidRequest(BAD_CURSOR, fields=["cursor"])
    rank, sort_name, utility_id = cursor.split(".")
    names = [bytes.fromhex(part).decode(errors="replace") for part in (sort_name, utility_id)]
    return int(rank), names[0], names[1]


def to_out(
    utility: Utility,
    states: list[str],
    matched_by: MatchedBy | None,
    methods: MethodContext | None = None,
) -> UtilityOut:
    methods = methods or MethodContext()
    return UtilityOut(
        id=utility.id,
        name=utility.name,
        legal_name=utility.legal_name,
        logo_url=utility.logo_url,
        states=states,
        commodities=[c for c in COMMODITIES if getattr(utility, c)],
        sign_in_kinds=utility.sign_in_kinds,
        mfa_methods=utility.mfa_methods,
        connection_methods=methods.methods(utility),
        connector_id=utility.connector_id,
        forgot_password_url=utility.forgot_password_url,
        status=methods.status(utility),
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
    return replace(criteria, states=(*criteria.states, state), working_first=True), "state"


async def list_utilities(
    session: AsyncSession,
    environment: str,
    filters: UtilityFilters,
    limit: int,
    cursor: str | None,
    *,
    client_id: str | None = None,
    now: datetime | None = None,
) -> Page[UtilityOut]:
    """``client_id``: whose order of connection methods applies; ``now``: for which connectors
    are down (utilities/methods.py). Without them: Gridlink's order, none down."""
    after = decode_cursor(cursor)
    repo = UtilityRepository(session)
    criteria, matched_by = await _criteria_for(repo, environment, filters)
    if criteria is None:
        return Page[UtilityOut](data=[], has_more=False, next_cursor=None)
    rows = await repo.page(criteria, after, limit)
    has_more = len(rows) > limit
    rows = rows[:limit]
    states = await repo.states_of([utility.id for utility, _, _ in rows])
    methods = await method_context(session, list(states), client_id, now)
    data = [
        # A zip search says per utility how it matched (listed there, or from the area).
        to_out(
            utility,
            states[utility.id],
            cast(MatchedBy, how) if matched_by == "zip" else matched_by,
            methods,
        )
        for utility, _, how in rows
    ]
    next_cursor = None
    if has_more:
        last, rank, _ = rows[-1]
        next_cursor = encode_cursor((rank, last.sort_name, last.id))
    return Page[UtilityOut](data=data, has_more=has_more, next_cursor=next_cursor)


async def get_utility(
    session: AsyncSession, client: AuthenticatedClient, utility_id: str, now: datetime | None = None
) -> UtilityOut:
    repo = UtilityRepository(session)
    utility = await repo.get_visible(utility_id, client.environment)
    if utility is None:
        raise NotFound(
            f"No utility {utility_id!r} is available to this {client.environment} client; "
            "list them with GET /v1/utilities."
        )
    states = await repo.states_of([utility.id])
    methods = await method_context(session, [utility.id], client.id, now)
    return to_out(utility, states[utility.id], None, methods)
