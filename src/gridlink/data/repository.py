"""All SQL of the stored utility data: upserts on natural keys, and the reads of the data API."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import Select, Text, cast, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.data import intervals
from gridlink.data.schemas import DataFilters
from gridlink.kit.db import dialect_insert
from gridlink.models import (
    User,
    UtilityAccount,
    UtilityCredential,
    UtilityIntervalDay,
    UtilityMeter,
    UtilityStatement,
)

Row = dict[str, Any]


class StoredStatement(NamedTuple):
    id: str
    pdf_file: str | None
    statement_date: date | None
    native_id: str | None


class DayRow(NamedTuple):
    direction: str
    day: date
    interval_seconds: int
    offset_seconds: int
    packed: bytes
    costs: bytes | None
    qualities: bytes | None
    components: dict[str, Any] | None

    def unpacked(self) -> intervals.StoredDay:
        """The row's values and its readings' details, unpacked."""
        slots = intervals.slot_count(self.interval_seconds, self.offset_seconds)
        return intervals.StoredDay(
            self.interval_seconds,
            self.offset_seconds,
            intervals.unpack(self.packed, slots),
            None if self.costs is None else intervals.unpack(self.costs, slots),
            self.qualities,
            intervals.unpack_components(self.components),
        )


# A day row's columns, in DayRow's order.
DAY_COLUMNS = (
    UtilityIntervalDay.direction,
    UtilityIntervalDay.day,
    UtilityIntervalDay.interval_seconds,
    UtilityIntervalDay.offset_seconds,
    UtilityIntervalDay.packed,
    UtilityIntervalDay.costs,
    UtilityIntervalDay.qualities,
    UtilityIntervalDay.components,
)


def _upsert(
    session: AsyncSession,
    model: Any,
    keys: Sequence[str],
    columns: Sequence[str],
    *,
    keep_if_null: Sequence[str] = (),
    json_columns: Sequence[str] = (),
) -> Any:
    """``INSERT … ON CONFLICT (keys) DO UPDATE`` that touches a row only when one of ``columns``
    differs, so writing the same data again leaves every row (``updated_at`` too) unchanged.
    ``keep_if_null`` columns keep their stored value when the incoming one is null."""
    table = model.__table__
    statement = dialect_insert(session, table)
    excluded = statement.excluded

    def incoming(name: str) -> Any:
        if name in keep_if_null:
            return func.coalesce(excluded[name], table.c[name])
        return excluded[name]

    def differs(name: str) -> Any:
        new, old = incoming(name), table.c[name]
        if name in json_columns:  # json has no equality operator on PostgreSQL: compare text
            new, old = cast(new, Text), cast(old, Text)
        return old.is_distinct_from(new)

    set_ = {name: incoming(name) for name in columns}
    if "updated_at" in table.c:
        set_["updated_at"] = excluded["updated_at"]
    return statement.on_conflict_do_update(
        index_elements=list(keys), set_=set_, where=or_(*(differs(name) for name in columns))
    )


class DataRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # -- writes ---------------------------------------------------------------------------

    async def upsert_accounts(self, rows: Sequence[Row]) -> None:
        columns = ["service_address", "status", "native_id"]
        statement = _upsert(
            self.session,
            UtilityAccount,
            ["credential_id", "number"],
            columns,
            json_columns=["service_address"],
        )
        await self.session.execute(statement, list(rows))

    async def account_ids(self, credential_id: str, numbers: Sequence[str]) -> dict[str, str]:
        query = select(UtilityAccount.number, UtilityAccount.id).where(
            UtilityAccount.credential_id == credential_id, UtilityAccount.number.in_(numbers)
        )
        return {number: id_ for number, id_ in (await self.session.execute(query)).all()}

    async def account(self, account_id: str) -> UtilityAccount | None:
        return await self.session.get(UtilityAccount, account_id)

    async def upsert_meters(self, rows: Sequence[Row]) -> None:
        columns = [
            "commodity",
            "service_class",
            "tariff",
            "time_zone",
            "unit",
            "native_id",
            "meter_number",
            "service_id",
        ]
        statement = _upsert(self.session, UtilityMeter, ["account_id", "number"], columns)
        await self.session.execute(statement, list(rows))

    async def meter_ids(self, account_id: str, numbers: Sequence[str]) -> dict[str, str]:
        query = select(UtilityMeter.number, UtilityMeter.id).where(
            UtilityMeter.account_id == account_id, UtilityMeter.number.in_(numbers)
        )
        return {number: id_ for number, id_ in (await self.session.execute(query)).all()}

    async def meter(self, meter_id: str, client_id: str | None = None) -> UtilityMeter | None:
        query = select(UtilityMeter).where(UtilityMeter.id == meter_id)
        if client_id is not None:
            query = query.where(UtilityMeter.client_id == client_id)
        return await self.session.scalar(query)

    async def meter_units(self, meter_id: str) -> tuple[str, str] | None:
        """(commodity, unit) of a meter: what ``upsert_intervals`` needs, without the ORM."""
        query = select(UtilityMeter.commodity, UtilityMeter.unit).where(UtilityMeter.id == meter_id)
        found = (await self.session.execute(query)).first()
        return None if found is None else (found[0], found[1])

    async def statement_keys(self, meter_id: str) -> dict[tuple[date, date], StoredStatement]:
        """(period_start, period_end) → what is stored of each of the meter's statements."""
        query = select(
            UtilityStatement.period_start,
            UtilityStatement.period_end,
            UtilityStatement.id,
            UtilityStatement.pdf_file,
            UtilityStatement.statement_date,
            UtilityStatement.native_id,
        ).where(UtilityStatement.meter_id == meter_id)
        rows = (await self.session.execute(query)).all()
        return {
            (start, end): StoredStatement(id_, pdf, issued, native)
            for start, end, id_, pdf, issued, native in rows
        }

    async def upsert_statements(self, rows: Sequence[Row]) -> None:
        columns = [
            "statement_date",
            "due_date",
            "amount_due",
            "new_charges",
            "total_charges",
            "previous_balance",
            "payments",
            "currency",
            "usage",
            "usage_unit",
            "normalized_usage",
            "normalized_unit",
            "demand",
            "demand_unit",
            "tou_usage",
            "line_items",
            "pdf_file",
            "native_id",
        ]
        statement = _upsert(
            self.session,
            UtilityStatement,
            ["meter_id", "period_start", "period_end"],
            columns,
            keep_if_null=["pdf_file"],
            json_columns=["line_items", "tou_usage"],
        )
        await self.session.execute(statement, list(rows))

    async def interval_days(
        self, meter_id: str, first: date, last: date, directions: Sequence[str] | None = None
    ) -> list[DayRow]:
        """The meter's packed day rows from ``first`` to ``last`` (UTC days, inclusive)."""
        table = UtilityIntervalDay
        query = select(*DAY_COLUMNS).where(
            table.meter_id == meter_id, table.day >= first, table.day <= last
        )
        if directions is not None:
            query = query.where(table.direction.in_(list(directions)))
        rows = (await self.session.execute(query.order_by(table.direction, table.day))).all()
        return [DayRow(*row) for row in rows]

    async def last_interval_days(self, meter_id: str) -> list[DayRow]:
        """Each direction's latest day row of the meter (none when it has no readings)."""
        table = UtilityIntervalDay
        latest = (
            select(table.direction, func.max(table.day).label("day"))
            .where(table.meter_id == meter_id)
            .group_by(table.direction)
            .subquery()
        )
        query = (
            select(*DAY_COLUMNS)
            .join(
                latest,
                (table.direction == latest.c.direction) & (table.day == latest.c.day),
            )
            .where(table.meter_id == meter_id)
        )
        return [DayRow(*row) for row in (await self.session.execute(query)).all()]

    async def save_interval_days(self, rows: Sequence[Row]) -> None:
        """Insert or overwrite day rows (the caller merged them with what was stored)."""
        statement = dialect_insert(self.session, UtilityIntervalDay.__table__)
        excluded = statement.excluded
        statement = statement.on_conflict_do_update(
            index_elements=["meter_id", "direction", "day"],
            set_={
                name: excluded[name]
                for name in (
                    "interval_seconds",
                    "offset_seconds",
                    "source_unit",
                    "packed",
                    "costs",
                    "qualities",
                    "components",
                )
            },
        )
        await self.session.execute(statement, list(rows))

    async def mark_data_ready(self, credential_id: str, now: datetime) -> None:
        await self.session.execute(
            update(UtilityCredential)
            .where(UtilityCredential.id == credential_id, UtilityCredential.data_ready_at.is_(None))
            .values(data_ready_at=now)
        )

    async def referenced_files(self, names: Sequence[str]) -> set[str]:
        """Which of these file store names some statement still points at."""
        rows = await self.session.scalars(
            select(UtilityStatement.pdf_file).where(UtilityStatement.pdf_file.in_(names)).distinct()
        )
        return {name for name in rows.all() if name is not None}


class CredentialState(NamedTuple):
    status: str
    data_ready_at: datetime | None


def _with_user(model: Any, client_id: str, filters: DataFilters) -> Select[Any]:
    """The model's rows of one client (tenant isolation) with the credential's user id and
    utility, filtered."""
    query = (
        select(model, User.client_user_id, UtilityCredential.utility_id)
        .join(UtilityCredential, UtilityCredential.id == model.credential_id)
        .join(User, User.id == UtilityCredential.user_id)
        .where(model.client_id == client_id)
    )
    if filters.utility_credential_id is not None:
        query = query.where(model.credential_id == filters.utility_credential_id)
    if filters.client_user_id is not None:
        query = query.where(User.client_user_id == filters.client_user_id)
    if filters.utility_account_id is not None and model is not UtilityAccount:
        query = query.where(model.account_id == filters.utility_account_id)
    if filters.meter_id is not None and model is UtilityStatement:
        query = query.where(model.meter_id == filters.meter_id)
    return query


class DataReads:
    """The data API's queries; every one is scoped to one client."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def page(
        self, model: Any, client_id: str, filters: DataFilters, after: str | None, limit: int
    ) -> list[tuple[Any, str, str]]:
        """Rows of ``model`` (accounts, meters or statements) as (row, client_user_id,
        utility_id), oldest first after ``after``; ``limit + 1`` of them."""
        query = _with_user(model, client_id, filters)
        if after is not None:
            query = query.where(model.id > after)
        rows = await self.session.execute(query.order_by(model.id).limit(limit + 1))
        return [(row, user, utility) for row, user, utility in rows.all()]

    async def by_id(self, model: Any, client_id: str, ids: Collection[str]) -> dict[str, Any]:
        """Rows of ``model`` with these ids, of one client only."""
        if not ids:
            return {}
        query = select(model).where(model.client_id == client_id, model.id.in_(list(ids)))
        return {row.id: row for row in (await self.session.scalars(query)).all()}

    async def one(self, model: Any, client_id: str, id_: str) -> tuple[Any, str, str] | None:
        query = _with_user(model, client_id, DataFilters()).where(model.id == id_)
        found = (await self.session.execute(query)).first()
        return None if found is None else (found[0], found[1], found[2])

    async def credential_states(
        self, client_id: str, filters: DataFilters
    ) -> list[CredentialState]:
        """Sync states of the client's credentials the filters name (by credential or end
        user); none when they name neither."""
        if filters.utility_credential_id is None and filters.client_user_id is None:
            return []
        query = (
            select(UtilityCredential.status, UtilityCredential.data_ready_at)
            .join(User, User.id == UtilityCredential.user_id)
            .where(UtilityCredential.client_id == client_id)
        )
        if filters.utility_credential_id is not None:
            query = query.where(UtilityCredential.id == filters.utility_credential_id)
        if filters.client_user_id is not None:
            query = query.where(User.client_user_id == filters.client_user_id)
        return [CredentialState(*row) for row in (await self.session.execute(query)).all()]

    async def meter_state(
        self, client_id: str, meter_id: str
    ) -> tuple[UtilityMeter, CredentialState] | None:
        query = (
            select(UtilityMeter, UtilityCredential.status, UtilityCredential.data_ready_at)
            .join(UtilityCredential, UtilityCredential.id == UtilityMeter.credential_id)
            .where(UtilityMeter.id == meter_id, UtilityMeter.client_id == client_id)
        )
        found = (await self.session.execute(query)).first()
        return None if found is None else (found[0], CredentialState(found[1], found[2]))
