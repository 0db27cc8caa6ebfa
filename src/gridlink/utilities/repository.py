"""All SQL of the utility catalog: lookups, keyset pages, and the bulk writes of an import."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
    and_,
    bindparam,
    case,
    delete,
    exists,
    func,
    literal,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from gridlink.credentials.methods import CredentialMethod
from gridlink.kit.db import insert_or_ignore, upsert
from gridlink.models import (
    ConnectionAttempt,
    Utility,
    UtilityCredential,
    UtilityState,
    UtilityZipCode,
)
from gridlink.utilities.eia import NO_RESIDENTIAL, TIER

# Position of a row in a page: (order, sort_name, id). In a zip search the order is the zip
# row's rank, plus OTHERS_LATER unless the utility has a working connector and serves
# households there; in a state's list 0 or OTHERS_LATER; 0 in name order.
Position = tuple[int, str, str]
OTHERS_LATER = 10_000  # above every rank (eia.rank stays below 3,000)
# A working connector: one serves it and no operator marked it unsupported.
_FINISHED_ATTEMPTS = ("verified", "rejected", "error", "timeout")
_WORKING = and_(Utility.connector_id.is_not(None), Utility.status != "unsupported")

_DEFINITION_COLUMNS = [
    c.name for c in Utility.__table__.columns if c.name not in ("id", "created_at")
]
_EIA_NAMING = ["name", "legal_name", "sort_name", "search_text", "eia_edition"]
_EIA_COLUMNS = [*_EIA_NAMING, "eia_ids", "updated_at"]
_CLAIMED_COLUMNS = ["legal_name", "search_text", "eia_edition"]
_ZIP_COLUMNS = ["state", "service_type", "ownership", "rank", "edition", "matched_by"]


@dataclass(frozen=True)
class Criteria:
    environment: str
    q: str | None = None
    states: tuple[str, ...] = ()
    commodity: str | None = None
    zip: str | None = None  # set: only utilities with a row for this zip, ranked
    working_first: bool = False  # without zip: utilities with a working connector first


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _conditions(criteria: Criteria) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [Utility.environment == criteria.environment]
    for word in (criteria.q or "").lower().split():  # every word, anywhere in the name
        pattern = f"%{_escape_like(word)}%"
        conditions.append(Utility.search_text.like(pattern, escape="\\"))
    for state in criteria.states:
        conditions.append(
            exists().where(UtilityState.utility_id == Utility.id, UtilityState.state == state)
        )
    if criteria.commodity is not None:
        conditions.append(getattr(Utility, criteria.commodity).is_(True))
    return conditions


class UtilityRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get_visible(self, utility_id: str, environment: str) -> Utility | None:
        query = select(Utility).where(Utility.id == utility_id, Utility.environment == environment)
        return await self.session.scalar(query)

    def _order(self, criteria: Criteria) -> ColumnElement[int]:
        if criteria.zip is not None:
            households = UtilityZipCode.rank % TIER < NO_RESIDENTIAL  # eia.serves_households
            first = case((and_(_WORKING, households), 0), else_=OTHERS_LATER)
            return UtilityZipCode.rank + first
        if criteria.working_first:
            return case((_WORKING, 0), else_=OTHERS_LATER)
        return literal(0)

    def _ranked(self, criteria: Criteria) -> Select[Utility, int, str]:
        order = self._order(criteria).label("rank")
        if criteria.zip is None:
            query = select(Utility, order, literal("zip").label("matched_by"))
        else:
            query = (
                select(Utility, order, UtilityZipCode.matched_by)
                .join(UtilityZipCode, UtilityZipCode.utility_id == Utility.id)
                .where(UtilityZipCode.zip == criteria.zip)
            )
        query = query.order_by(order, Utility.sort_name, Utility.id)
        return query.where(*_conditions(criteria))

    async def any_match(self, criteria: Criteria) -> bool:
        query = self._ranked(criteria).limit(1)
        return (await self.session.execute(query)).first() is not None

    async def page(
        self, criteria: Criteria, after: Position | None, limit: int
    ) -> list[tuple[Utility, int, str]]:
        """``limit + 1`` rows (utility, order, matched_by) after ``after``, so the caller can
        tell whether more follow."""
        query = self._ranked(criteria)
        if after is not None:
            key = tuple_(self._order(criteria), Utility.sort_name, Utility.id)
            query = query.where(key > tuple_(*after))
        rows = await self.session.execute(query.limit(limit + 1))
        return [(utility, int(rank), str(how)) for utility, rank, how in rows.all()]

    async def states_of(self, utility_ids: Sequence[str]) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {utility_id: [] for utility_id in utility_ids}
        if not utility_ids:
            return found
        query = (
            select(UtilityState.utility_id, UtilityState.state)
            .where(UtilityState.utility_id.in_(utility_ids))
            .order_by(UtilityState.utility_id, UtilityState.state)
        )
        for utility_id, state in (await self.session.execute(query)).all():
            found[utility_id].append(state)
        return found

    # --- writes (sandbox seed and EIA import) -------------------------------------------------

    async def upsert_definitions(self, rows: Sequence[Utility]) -> None:
        """Insert or fully overwrite utilities whose definition lives in code (the sandbox)."""
        values = [
            {c: getattr(row, c) for c in ["id", "created_at", *_DEFINITION_COLUMNS]} for row in rows
        ]
        await self.session.execute(
            upsert(self.session, Utility, ["id"], _DEFINITION_COLUMNS), values
        )

    async def get_many(self, utility_ids: Sequence[str]) -> dict[str, Utility]:
        """Fresh from the database (the bulk writes here bypass the session's objects)."""
        if not utility_ids:
            return {}
        query = select(Utility).where(Utility.id.in_(utility_ids))
        rows = await self.session.scalars(query.execution_options(populate_existing=True))
        return {row.id: row for row in rows}

    async def update_claimed(self, values: Sequence[dict[str, Any]]) -> None:
        """What an import adds to entries a connector serves (``b_``-prefixed keys, see
        import_plan): written only where it changes something."""
        if not values:
            return
        table = cast(Table, Utility.__table__)  # Core, not the ORM: executemany with a WHERE
        new: dict[str, Any] = {n: bindparam(f"b_{n}") for n in [*_CLAIMED_COLUMNS, "eia_ids"]}
        changed = [table.c[name].is_distinct_from(new[name]) for name in _CLAIMED_COLUMNS]
        statement = (
            update(table)
            .where(table.c.id == bindparam("b_id"), or_(*changed))
            .values(**new, updated_at=bindparam("b_updated_at"))
        )
        await self.session.execute(statement, list(values))

    async def upsert_eia_utilities(self, values: Sequence[dict[str, Any]]) -> None:
        """New EIA utilities are inserted whole; known ones only take a newer edition's name, so
        what an operator or connector set (status, connector, logo) survives a re-import."""
        if not values:
            return
        statement = upsert(
            self.session,
            Utility,
            ["id"],
            _EIA_COLUMNS,
            only_if=lambda table, new: and_(
                func.coalesce(table.c.eia_edition, 0) <= new.eia_edition,
                or_(*(table.c[name].is_distinct_from(new[name]) for name in _EIA_NAMING)),
            ),
        )
        await self.session.execute(statement, list(values))

    async def add_states(self, pairs: Sequence[tuple[str, str]]) -> None:
        if not pairs:
            return
        statement = insert_or_ignore(self.session, UtilityState, ["utility_id", "state"])
        await self.session.execute(statement, [{"utility_id": u, "state": s} for u, s in pairs])

    async def upsert_zip_rows(self, values: Sequence[dict[str, Any]]) -> None:
        """A row of an older edition never overwrites one of a newer edition."""
        if not values:
            return
        statement = upsert(
            self.session,
            UtilityZipCode,
            ["zip", "utility_id"],
            _ZIP_COLUMNS,
            only_if=lambda table, new: and_(
                table.c.edition <= new.edition,
                or_(*(table.c[name].is_distinct_from(new[name]) for name in _ZIP_COLUMNS)),
            ),
        )
        await self.session.execute(statement, list(values))

    async def merge_zip_rows(self, values: Sequence[dict[str, Any]]) -> None:
        """Rows copied from another entry (a folded subsidiary, a utility whose customers this
        one serves): of two for the same zip, the newer edition's, then the better rank, wins."""
        if not values:
            return
        statement = upsert(
            self.session,
            UtilityZipCode,
            ["zip", "utility_id"],
            _ZIP_COLUMNS,
            only_if=lambda table, new: or_(
                table.c.edition < new.edition,
                and_(table.c.edition == new.edition, new.rank < table.c.rank),
            ),
        )
        await self.session.execute(statement, list(values))

    async def zip_rows_of(self, utility_ids: Sequence[str]) -> list[UtilityZipCode]:
        if not utility_ids:
            return []
        query = select(UtilityZipCode).where(UtilityZipCode.utility_id.in_(utility_ids))
        query = query.execution_options(populate_existing=True)
        return list((await self.session.scalars(query)).all())

    async def delete_utilities(self, utility_ids: Sequence[str]) -> None:
        """Gone with their states and zip rows (foreign keys cascade)."""
        if utility_ids:
            await self.session.execute(delete(Utility).where(Utility.id.in_(utility_ids)))

    async def prune_superseded_zip_rows(self) -> int:
        """Drop every row of a zip that a newer edition also covers: the newest data wins."""
        newer = aliased(UtilityZipCode)
        statement = delete(UtilityZipCode).where(
            exists().where(newer.zip == UtilityZipCode.zip, newer.edition > UtilityZipCode.edition)
        )
        result = await self.session.execute(statement)
        return int(getattr(result, "rowcount", 0) or 0)

    async def count_eia(self) -> tuple[int, int, int]:
        """(EIA utilities, zip rows, distinct zips) in the live catalog."""
        utilities = await self.session.scalar(
            select(func.count()).select_from(Utility).where(Utility.eia_edition.is_not(None))
        )
        rows, zips = (
            await self.session.execute(
                select(func.count(), func.count(func.distinct(UtilityZipCode.zip))).where(
                    UtilityZipCode.edition > 0
                )
            )
        ).one()
        return int(utilities or 0), int(rows), int(zips)

    async def down(
        self, utility_ids: Sequence[str], *, since: datetime, last: int, detail: str
    ) -> set[str]:
        """Utilities whose ``last`` latest sign-ins finished since ``since`` (logins, not Green
        Button authorizations) all ended with ``detail`` (the utility unavailable)."""
        if not utility_ids:
            return set()
        rank = (
            func.row_number()
            .over(
                partition_by=ConnectionAttempt.utility_id,
                # Ids are time-ordered: they break a tie of equal end times.
                order_by=(ConnectionAttempt.finished_at.desc(), ConnectionAttempt.id.desc()),
            )
            .label("rank")
        )
        recent = (
            select(ConnectionAttempt.utility_id, ConnectionAttempt.status_detail, rank)
            .join(UtilityCredential, UtilityCredential.id == ConnectionAttempt.credential_id)
            .where(
                ConnectionAttempt.utility_id.in_(list(utility_ids)),
                ConnectionAttempt.finished_at >= since,
                ConnectionAttempt.status.in_(_FINISHED_ATTEMPTS),
                UtilityCredential.method == CredentialMethod.LOGIN.value,
            )
            .subquery()
        )
        matching = func.sum(case((recent.c.status_detail == detail, 1), else_=0))
        query = (
            select(recent.c.utility_id)
            .where(recent.c.rank <= last)
            .group_by(recent.c.utility_id)
            .having(func.count() == last, matching == last)
        )
        return set((await self.session.scalars(query)).all())
