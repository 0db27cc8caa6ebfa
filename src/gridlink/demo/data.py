"""The demo's data views: what a host backend reads once a credential is linked.

Everything goes through the data API's own read functions (gridlink.data.reads) for the demo's
sandbox client, then is narrowed to the calling browser's demo user: another user's credential,
statement or meter reads as unknown. While the first sync runs, the data API answers
``data_unavailable``; here that is a state the page shows ("Loading your data… N%"), not an error.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.auth.service import AuthenticatedClient
from gridlink.data import reads, recent
from gridlink.data.export import Series
from gridlink.data.files import FileStore
from gridlink.data.schemas import DataFilters, UtilityMeterOut, UtilityStatementOut
from gridlink.demo.schemas import DemoData, DemoPoint, DemoStatement, DemoUsage
from gridlink.demo.service import demo_client, own_credential
from gridlink.errors import DataUnavailable, NotFound
from gridlink.kit.clock import Clock

LATEST_STATEMENTS = 12
DAILY_DAYS = 30
MONTHLY_MONTHS = 24


def _statement(row: UtilityStatementOut) -> DemoStatement:
    pdf_url = None
    if row.has_pdf:  # the browser's cookie says whose bill it may open
        pdf_url = f"/demo/api/statements/{quote(row.id, safe='')}/pdf"
    return DemoStatement(
        id=row.id,
        utility_account_id=row.utility_account_id,
        meter_id=row.meter_id,
        period_start=row.period_start,
        period_end=row.period_end,
        amount_due=row.amount_due,
        new_charges=row.new_charges,
        currency=row.currency,
        usage=row.usage,
        usage_unit=row.usage_unit,
        pdf_url=pdf_url,
    )


async def credential_data(
    session: AsyncSession, client_user_id: str, credential_id: str
) -> DemoData:
    client = await demo_client(session)
    credential = await own_credential(session, client, client_user_id, credential_id)
    filters = DataFilters(client_user_id=client_user_id, utility_credential_id=credential_id)
    accounts = await recent.every(reads.list_accounts, session, client, filters)
    try:
        meters = await recent.every(reads.list_meters, session, client, filters)
        statements = await recent.every(reads.list_statements, session, client, filters)
    except DataUnavailable as waiting:
        return DemoData(
            state="syncing",
            sync=credential.sync,
            retry_after_seconds=recent.retry_after(waiting),
            accounts=accounts,
            meters=[],
            statements=[],
        )
    latest = sorted(statements, key=lambda s: (s.period_end, s.id), reverse=True)
    return DemoData(
        state="ready",
        sync=credential.sync,
        accounts=accounts,
        meters=meters,
        statements=[_statement(s) for s in latest[:LATEST_STATEMENTS]],
    )


async def _own_meter(
    session: AsyncSession, client: AuthenticatedClient, client_user_id: str, meter_id: str
) -> UtilityMeterOut:
    meters = await recent.every(
        reads.list_meters, session, client, DataFilters(client_user_id=client_user_id)
    )
    for meter in meters:
        if meter.id == meter_id:
            return meter
    raise NotFound(reads.METER_NOT_FOUND)


def _points(series: Series, zone: ZoneInfo, label_length: int) -> list[DemoPoint]:
    return [
        DemoPoint(label=start.date().isoformat()[:label_length], start=start, value=value)
        for start, value in recent.points(series, zone)
    ]


async def usage(
    session: AsyncSession, clock: Clock, client_user_id: str, meter_id: str
) -> DemoUsage:
    """Daily totals of the last 30 local days and monthly totals of 24 local months, ending
    today in sandbox (utility-side) time; delivered energy only (a solar meter's export is
    left out of "usage")."""
    client = await demo_client(session)
    try:
        meter = await _own_meter(session, client, client_user_id, meter_id)
        zone = ZoneInfo(meter.time_zone)
        today = recent.utility_today(clock, client, zone)
        tomorrow = today + timedelta(days=1)
        month = today.replace(day=1)
        for _ in range(MONTHLY_MONTHS - 1):
            month = (month - timedelta(days=1)).replace(day=1)
        first_day = recent.days_before(today, DAILY_DAYS - 1)
        daily = await recent.delivered_series(session, client, meter, first_day, tomorrow, "day")
        monthly = await recent.delivered_series(session, client, meter, month, tomorrow, "month")
    except DataUnavailable as waiting:
        return DemoUsage(
            state="syncing",
            retry_after_seconds=recent.retry_after(waiting),
            meter_id=meter_id,
            daily=[],
            monthly=[],
        )
    return DemoUsage(
        state="ready",
        meter_id=meter.id,
        unit=meter.unit,
        time_zone=meter.time_zone,
        daily=_points(daily, zone, len("2026-03-08")),
        monthly=_points(monthly, zone, len("2026-03")),
    )


async def statement_pdf(
    session: AsyncSession, files: FileStore, client_user_id: str, statement_id: str
) -> Path:
    """The bill's PDF, only for the demo user it belongs to."""
    client = await demo_client(session)
    statement = await reads.get_statement(session, client, statement_id)
    if statement.client_user_id != client_user_id:
        raise NotFound(reads.STATEMENT_NOT_FOUND)
    return await reads.statement_pdf(session, client, files, statement_id)
