"""All SQL of the utility catalog: lookups, keyset pages, and the bulk writes of an import."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    delete,
    exists,
    func,
    literal,
    or_,
    select,
    tuple_,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from gridlink.kit.db import insert_or_ignore, upsert
from gridlink.models import Utility, UtilityState, UtilityZipCode

# Position of a row in a page: (rank, sort_name, id); rank is 0 outside zip searches.
Position = tuple[int, str, str]

_DEFINITION_COLUMNS = [
    c.name for c in Utility.__table__.columns if c.name not in ("id", "created_at")
]
_EIA_NAMING = ["name", "sort_name", "search_text", "eia_edition"]
_EIA_COLUMNS = [*_EIA_NAMING, "eia_ids", "updated_at"]
_ZIP_COLUMNS = ["state", "service_type", "ownership", "rank", "edition"]


@dataclass(frozen=True)
class Criteria:
    environment: str
    q: str | None = None
    states: tuple[str, ...] = ()
    commodity: str | None = None
    zip: str | None = None  # set: only utilities with a row for this zip, ranked


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

    def _ranked(self, criteria: Criteria) -> Select[Utility, int]:
        if criteria.zip is None:
            query = select(Utility, literal(0).label("rank"))
            query = query.order_by(Utility.sort_name, Utility.id)
        else:
            query = (
                select(Utility, UtilityZipCode.rank)
                .join(UtilityZipCode, UtilityZipCode.utility_id == Utility.id)
                .where(UtilityZipCode.zip == criteria.zip)
                .order_by(UtilityZipCode.rank, Utility.sort_name, Utility.id)
            )
        return query.where(*_conditions(criteria))

    async def any_match(self, criteria: Criteria) -> bool:
        query = self._ranked(criteria).limit(1)
        return (await self.session.execute(query)).first() is not None

    async def page(
        self, criteria: Criteria, after: Position | None, limit: int
    ) -> list[tuple[Utility, int]]:
        """``limit + 1`` rows after ``after``, so the caller can tell whether more follow."""
        query = self._ranked(criteria)
        if after is not None:
            if criteria.zip is None:
                query = query.where(tuple_(Utility.sort_name, Utility.id) > tuple_(*after[1:]))
            else:
                key = tuple_(UtilityZipCode.rank, Utility.sort_name, Utility.id)
                query = query.where(key > tuple_(*after))
        rows = await self.session.execute(query.limit(limit + 1))
        return [(utility, int(rank)) for utility, rank in rows.all()]

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

    async def upsert_eia_utilities(self, values: Sequence[dict[str, Any]]) -> None:
        """New EIA utilities are inserted whole; known ones only take a newer edition's name, so
        what an operator or connector set (status, connector, logo) survives a re-import."""
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
        statement = insert_or_ignore(self.session, UtilityState, ["utility_id", "state"])
        await self.session.execute(statement, [{"utility_id": u, "state": s} for u, s in pairs])

    async def upsert_zip_rows(self, values: Sequence[dict[str, Any]]) -> None:
        """A row of an older edition never overwrites one of a newer edition."""
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
