"""The data API's rules: tenant scoping, the data_unavailable answer, interval queries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.auth.service import AuthenticatedClient
from gridlink.data import intervals
from gridlink.data.export import Series
from gridlink.data.files import FileStore
from gridlink.data.repository import CredentialState, DataReads, DataRepository
from gridlink.data.rollups import roll_up
from gridlink.data.schemas import (
    DataFilters,
    LineItemOut,
    ServiceAddressOut,
    TouUsageOut,
    UtilityAccountOut,
    UtilityMeterOut,
    UtilityStatementOut,
)
from gridlink.data.statement_export import StatementSheet
from gridlink.errors import DataUnavailable, GridlinkError, InvalidRequest, NotFound, PdfUnavailable
from gridlink.kit.ids import looks_like_id
from gridlink.kit.pagination import Page, PageParams, build_page
from gridlink.models import UtilityAccount, UtilityMeter, UtilityStatement

RETRY_AFTER_SECONDS = 30
WAITING = frozenset({"verified", "pending"})  # a first sync is still to come
MAX_DAYS = {"raw": 400, "hour": 400, "day": 3_700, "month": 3_700}

NOT_SYNCED = (
    "The first sync of this utility credential has not finished, so there is no data yet. "
    "Retry after the Retry-After seconds, or wait for the historical_utility_statements_"
    "discovered and historical_utility_intervals_discovered webhooks."
)
METER_NOT_FOUND = "No meter with this id. List meters with GET /v1/utility_meters."
STATEMENT_NOT_FOUND = "No statement with this id. List statements with GET /v1/utility_statements."


def _waiting(states: Sequence[CredentialState]) -> bool:
    """Data is unavailable when every credential asked about still awaits its first sync."""
    return bool(states) and all(s.data_ready_at is None and s.status in WAITING for s in states)


def _unavailable() -> DataUnavailable:
    return DataUnavailable(NOT_SYNCED, retry_after=RETRY_AFTER_SECONDS)


def _account_out(row: UtilityAccount, user: str, utility: str) -> UtilityAccountOut:
    address = None if row.service_address is None else ServiceAddressOut(**row.service_address)
    return UtilityAccountOut(
        id=row.id,
        utility_credential_id=row.credential_id,
        client_user_id=user,
        utility_id=utility,
        number=row.number,
        service_address=address,
        status=row.status,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _meter_out(row: UtilityMeter, user: str, _utility: str) -> UtilityMeterOut:
    return UtilityMeterOut(
        id=row.id,
        utility_account_id=row.account_id,
        utility_credential_id=row.credential_id,
        client_user_id=user,
        number=row.number,
        meter_number=row.meter_number,
        service_id=row.service_id,
        commodity=row.commodity,
        service_class=row.service_class,
        tariff=row.tariff,
        time_zone=row.time_zone,
        unit=row.unit,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _statement_out(row: UtilityStatement, user: str, _utility: str) -> UtilityStatementOut:
    return UtilityStatementOut(
        id=row.id,
        utility_account_id=row.account_id,
        meter_id=row.meter_id,
        utility_credential_id=row.credential_id,
        client_user_id=user,
        period_start=row.period_start,
        period_end=row.period_end,
        statement_date=row.statement_date,
        due_date=row.due_date,
        previous_balance=row.previous_balance,
        payments=row.payments,
        new_charges=row.new_charges,
        total_charges=row.total_charges,
        amount_due=row.amount_due,
        currency=row.currency,
        usage=row.usage,
        usage_unit=row.usage_unit,
        normalized_usage=row.normalized_usage,
        normalized_unit=row.normalized_unit,
        demand=row.demand,
        demand_unit=row.demand_unit,
        tou_usage=[TouUsageOut(**part) for part in row.tou_usage or ()],
        line_items=[LineItemOut(**item) for item in row.line_items],
        has_pdf=row.pdf_file is not None,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


async def _page(
    session: AsyncSession,
    model: Any,
    render: Any,
    client: AuthenticatedClient,
    filters: DataFilters,
    params: PageParams,
    *,
    check_sync: bool,
) -> Page[Any]:
    reads = DataReads(session)
    if check_sync and _waiting(await reads.credential_states(client.id, filters)):
        raise _unavailable()
    rows = await reads.page(model, client.id, filters, params.after, params.limit)
    return build_page([render(*r) for r in rows], [r[0].id for r in rows], params.limit)


async def list_accounts(
    session: AsyncSession, client: AuthenticatedClient, filters: DataFilters, params: PageParams
) -> Page[UtilityAccountOut]:
    # Accounts are found at verification (utility_accounts_discovered), before any sync.
    return await _page(
        session, UtilityAccount, _account_out, client, filters, params, check_sync=False
    )


async def list_meters(
    session: AsyncSession, client: AuthenticatedClient, filters: DataFilters, params: PageParams
) -> Page[UtilityMeterOut]:
    return await _page(session, UtilityMeter, _meter_out, client, filters, params, check_sync=True)


async def list_statements(
    session: AsyncSession, client: AuthenticatedClient, filters: DataFilters, params: PageParams
) -> Page[UtilityStatementOut]:
    return await _page(
        session, UtilityStatement, _statement_out, client, filters, params, check_sync=True
    )


async def statement_sheet(
    session: AsyncSession, client: AuthenticatedClient, filters: DataFilters, params: PageParams
) -> tuple[StatementSheet, Page[UtilityStatementOut]]:
    """A page of statements with their accounts and meters, for the CSV export."""
    page = await list_statements(session, client, filters, params)
    reads = DataReads(session)
    accounts = await reads.by_id(
        UtilityAccount, client.id, {s.utility_account_id for s in page.data}
    )
    meters = await reads.by_id(UtilityMeter, client.id, {s.meter_id for s in page.data})
    return StatementSheet(page.data, accounts, meters), page


async def get_statement(
    session: AsyncSession, client: AuthenticatedClient, statement_id: str
) -> UtilityStatementOut:
    found = None
    if looks_like_id(statement_id):
        found = await DataReads(session).one(UtilityStatement, client.id, statement_id)
    if found is None:
        raise NotFound(STATEMENT_NOT_FOUND)
    return _statement_out(*found)


async def statement_pdf(
    session: AsyncSession, client: AuthenticatedClient, files: FileStore, statement_id: str
) -> Path:
    found = None
    if looks_like_id(statement_id):
        found = await DataReads(session).one(UtilityStatement, client.id, statement_id)
    if found is None:
        raise NotFound(STATEMENT_NOT_FOUND)
    row: UtilityStatement = found[0]
    if row.pdf_file is None:
        raise PdfUnavailable(
            "The utility gave no PDF for this statement (has_pdf is false); its data is in "
            "GET /v1/utility_statements/{id}."
        )
    path = files.path(row.pdf_file)
    if not path.is_file():
        raise GridlinkError(
            "The PDF of this statement is missing from the server's file store "
            "(GRIDLINK_FILES_DIR). Report the request id to the server's operator."
        )
    return path


@dataclass(frozen=True, slots=True)
class IntervalQuery:
    meter_id: str
    start: datetime
    end: datetime
    resolution: str
    direction: str | None = None


def _check_range(query: IntervalQuery) -> None:
    for name, value in (("start", query.start), ("end", query.end)):
        if value.tzinfo is None or value.utcoffset() is None:
            raise InvalidRequest(
                f"{name} needs a time zone: add Z or an offset such as -05:00.", fields=[name]
            )
    if query.end <= query.start:
        raise InvalidRequest("end must be after start.", fields=["start", "end"])
    limit = MAX_DAYS[query.resolution]
    if query.end - query.start > timedelta(days=limit):
        raise InvalidRequest(
            f"At {query.resolution} resolution ask for at most {limit} days at a time; "
            "split the range or choose a coarser resolution.",
            fields=["start", "end"],
        )


async def interval_series(
    session: AsyncSession, client: AuthenticatedClient, query: IntervalQuery
) -> Series:
    _check_range(query)
    reads = DataReads(session)
    found = None
    if looks_like_id(query.meter_id):
        found = await reads.meter_state(client.id, query.meter_id)
    if found is None:
        raise NotFound(METER_NOT_FOUND)
    meter, state = found
    if _waiting([state]):
        raise _unavailable()
    start = int(query.start.timestamp())
    end = int(query.end.timestamp())
    if query.end.timestamp() != end:
        end += 1  # sub-second end: include a reading starting in that last second
    rows = await DataRepository(session).interval_days(
        meter.id,
        intervals.day_from_number(start // intervals.DAY_SECONDS),
        intervals.day_from_number((end - 1) // intervals.DAY_SECONDS),
        None if query.direction is None else [query.direction],
    )
    points: list[intervals.Point] = []
    for row in rows:
        day = row.unpacked()
        day_points = intervals.day_points(
            row.direction,
            intervals.day_number(row.day),
            row.interval_seconds,
            row.offset_seconds,
            day.values,
            day,
        )
        if day_points and (day_points[0][0] < start or day_points[-1][0] >= end):
            day_points = [p for p in day_points if start <= p[0] < end]
        points.extend(day_points)
    if query.resolution != "raw":
        points = roll_up(points, query.resolution, ZoneInfo(meter.time_zone))
    return Series(
        meter.id,
        meter.account_id,
        meter.unit,
        meter.time_zone,
        query.resolution,
        query.start,
        query.end,
        points,
    )
