"""The write API of the stored utility data, for the sync engine.

Every function upserts on the connector contract's natural keys (an account by number within
its credential, a meter by number within its account, a statement by period within its meter,
a reading by start and direction within its meter), runs in the caller's transaction and never
commits. A sync that was killed half-way can simply run again: writing what is already stored
changes no row (not even ``updated_at``) and reports nothing new.

Typical use in one transaction::

    accounts = await upsert_accounts(session, clock, credential_id, fetched_accounts)
    meters = await upsert_meters(session, clock, accounts[0].id, fetched_meters)
    pdfs = await fetch_pdfs(statements)            # before the transaction, ideally
    stored = await upsert_statements(session, clock, files, meters[0].id, statements, pdfs)
    change = await upsert_intervals(session, meters[0].id, readings)
    if change.has_changes: ...emit new_utility_intervals_available with change.start/end
    await mark_data_ready(session, clock, credential_id)   # in the first sync's transaction
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.connectors.models import (
    Account,
    Commodity,
    IntervalReading,
    LineItem,
    Meter,
    Statement,
    TouUsage,
)
from gridlink.connectors.units import NORMALIZED_UNITS, fits_commodity, normalize
from gridlink.data import intervals
from gridlink.data.files import FileStore
from gridlink.data.repository import DataRepository, StoredStatement
from gridlink.kit.clock import Clock
from gridlink.kit.ids import new_id
from gridlink.models import UtilityCredential


class UnknownRecord(LookupError):
    """The credential, account or meter named does not exist (deleted meanwhile?)."""


@dataclass(frozen=True, slots=True)
class Stored:
    """One upserted record: its id, its natural key and whether this call created it."""

    id: str
    key: str
    created: bool


@dataclass(frozen=True, slots=True)
class IntervalChange:
    """What one ``upsert_intervals`` call changed. ``start``/``end`` span the readings that
    were added or changed (None when nothing was): the range of the
    ``new_utility_intervals_available`` event."""

    meter_id: str
    start: datetime | None
    end: datetime | None
    added: int
    changed: int
    unchanged: int

    @property
    def has_changes(self) -> bool:
        return self.start is not None


def interval_range(
    account_id: str, meter_id: str, start: datetime | None, end: datetime | None
) -> dict[str, Any]:
    """The data of the interval events (historical and new): which meter, which span."""
    return {"utility_account_id": account_id, "meter_id": meter_id, "start": start, "end": end}


async def upsert_accounts(
    session: AsyncSession, clock: Clock, credential_id: str, accounts: Sequence[Account]
) -> list[Stored]:
    credential = await session.get(UtilityCredential, credential_id)
    if credential is None:
        raise UnknownRecord(f"no utility credential {credential_id}")
    if not accounts:
        return []
    now = clock.now()
    fresh = {a.number: new_id("uac") for a in accounts}
    rows = [
        {
            "id": fresh[a.number],
            "client_id": credential.client_id,
            "credential_id": credential_id,
            "number": a.number,
            "service_address": _address(a),
            "status": a.status.value,
            "native_id": a.native_id,
            "created_at": now,
            "updated_at": now,
        }
        for a in accounts
    ]
    repo = DataRepository(session)
    await repo.upsert_accounts(rows)
    ids = await repo.account_ids(credential_id, list(fresh))
    return [Stored(ids[n], n, ids[n] == fresh[n]) for n in fresh]


async def upsert_meters(
    session: AsyncSession, clock: Clock, account_id: str, meters: Sequence[Meter]
) -> list[Stored]:
    repo = DataRepository(session)
    account = await repo.account(account_id)
    if account is None:
        raise UnknownRecord(f"no utility account {account_id}")
    if not meters:
        return []
    now = clock.now()
    fresh = {m.number: new_id("mtr") for m in meters}
    rows = [
        {
            "id": fresh[m.number],
            "client_id": account.client_id,
            "credential_id": account.credential_id,
            "account_id": account_id,
            "number": m.number,
            "commodity": m.commodity.value,
            "service_class": m.service_class.value,
            "tariff": m.tariff,
            "time_zone": m.time_zone,
            "unit": NORMALIZED_UNITS[m.commodity],
            "native_id": m.native_id,
            "meter_number": m.meter_number,
            "service_id": m.service_id,
            "created_at": now,
            "updated_at": now,
        }
        for m in meters
    ]
    await repo.upsert_meters(rows)
    ids = await repo.meter_ids(account_id, list(fresh))
    return [Stored(ids[n], n, ids[n] == fresh[n]) for n in fresh]


async def fetch_pdfs(statements: Sequence[Statement]) -> list[bytes | None]:
    """Download the statements' PDFs (while the connector's session is open), best done
    before opening the transaction so no write lock is held over the network."""
    return [None if s.pdf is None else await s.pdf() for s in statements]


async def upsert_statements(
    session: AsyncSession,
    clock: Clock,
    files: FileStore,
    meter_id: str,
    statements: Sequence[Statement],
    pdfs: Sequence[bytes | None] | None = None,
) -> list[Stored]:
    """Upsert a meter's statements and store their PDFs in ``files``.

    A statement is known by its period: one for a period already stored replaces it (a
    re-issued bill), one with another period is added even when the periods overlap (bills as
    the utility issued them). Of several for one period in ``statements`` the last wins.

    ``pdfs`` (from :func:`fetch_pdfs`, same order) gives the PDF bytes; without it a statement
    whose PDF is not stored yet, or a re-issue (another statement date or native id), has its
    ``pdf`` getter called here. A statement stored with a PDF keeps it when a later write
    brings none. ``Stored.key`` is ``"start/end"`` (ISO dates).
    """
    repo = DataRepository(session)
    meter = await repo.meter(meter_id)
    if meter is None:
        raise UnknownRecord(f"no meter {meter_id}")
    if pdfs is not None and len(pdfs) != len(statements):
        raise ValueError("pass one PDF (or None) per statement")
    latest = {(s.period_start, s.period_end): index for index, s in enumerate(statements)}
    known = await repo.statement_keys(meter_id)
    now = clock.now()
    rows: list[dict[str, Any]] = []
    fresh: dict[tuple[Any, Any], str] = {}
    for key, index in latest.items():
        statement = statements[index]
        pdf = pdfs[index] if pdfs is not None else None
        getter = statement.pdf
        if pdfs is None and getter is not None and _needs_pdf(statement, known.get(key)):
            pdf = await getter()
        pdf_file = None if pdf is None else await files.put_async(pdf)
        fresh[key] = new_id("stm")
        rows.append(_statement_row(statement, meter, fresh[key], pdf_file, now))
    if rows:
        await repo.upsert_statements(rows)
    ids = {k: v.id for k, v in (await repo.statement_keys(meter_id)).items()}
    return [
        Stored(ids[k], f"{k[0].isoformat()}/{k[1].isoformat()}", ids[k] == fresh[k]) for k in fresh
    ]


async def upsert_intervals(
    session: AsyncSession, meter_id: str, readings: Sequence[IntervalReading]
) -> IntervalChange:
    """Merge readings into the meter's packed day rows; only rows that change are written.

    Values are converted to the meter's normalized unit (the source unit is kept per day row).
    Readings of one UTC day must share an interval length and phase (see ``intervals.py``).
    """
    repo = DataRepository(session)
    units = await repo.meter_units(meter_id)
    if units is None:
        raise UnknownRecord(f"no meter {meter_id}")
    commodity, meter_unit = units
    if not readings:
        return IntervalChange(meter_id, None, None, 0, 0, 0)
    for unit in {r.unit for r in readings}:
        if not fits_commodity(unit, Commodity(commodity)):
            raise ValueError(f"a {commodity} meter cannot report in {unit!r}")
    batches = intervals.group(readings, intervals.MicroUnits(meter_unit))
    days = [day for _, day in batches]
    stored_rows = await repo.interval_days(
        meter_id, intervals.day_from_number(min(days)), intervals.day_from_number(max(days))
    )
    stored = {(row.direction, intervals.day_number(row.day)): row.unpacked() for row in stored_rows}
    added = changed = unchanged = 0
    first: int | None = None
    last: int | None = None
    writes: list[dict[str, Any]] = []
    for (direction, day), batch in batches.items():
        merged = intervals.merge_day(stored.get((direction, day)), batch)
        added += merged.added
        changed += merged.changed
        unchanged += merged.unchanged
        if merged.first_slot is None or merged.last_slot is None:
            continue
        base = day * intervals.DAY_SECONDS + batch.offset
        span_start = base + merged.first_slot * batch.interval
        span_end = base + (merged.last_slot + 1) * batch.interval
        first = span_start if first is None else min(first, span_start)
        last = span_end if last is None else max(last, span_end)
        writes.append(
            {
                "meter_id": meter_id,
                "direction": direction,
                "day": intervals.day_from_number(day),
                "interval_seconds": batch.interval,
                "offset_seconds": batch.offset,
                "source_unit": batch.unit,
                "packed": intervals.pack(merged.values),
                "costs": intervals.pack_costs(merged.costs),
                "qualities": intervals.pack_qualities(merged.qualities),
                "components": intervals.pack_components(merged.components),
            }
        )
    if writes:
        await repo.save_interval_days(writes)
    return IntervalChange(
        meter_id,
        None if first is None else intervals.to_datetime(first),
        None if last is None else intervals.to_datetime(last),
        added,
        changed,
        unchanged,
    )


async def last_reading_end(session: AsyncSession, meter_id: str) -> datetime | None:
    """Where the meter's stored readings end (the latest reading's end, any direction); None
    when it has none. Scheduled syncs re-read from here minus the connector's look-back."""
    ends = []
    for row in await DataRepository(session).last_interval_days(meter_id):
        day = row.unpacked()
        slot = next(
            (i for i in range(len(day.values) - 1, -1, -1) if day.values[i] != intervals.MISSING),
            None,
        )
        if slot is not None:
            base = intervals.day_number(row.day) * intervals.DAY_SECONDS + day.offset
            ends.append(base + (slot + 1) * day.interval)
    return intervals.to_datetime(max(ends)) if ends else None


async def mark_data_ready(session: AsyncSession, clock: Clock, credential_id: str) -> None:
    """Record that the credential's first sync has data: call it in the transaction that
    commits that data. Until then the data API answers ``data_unavailable`` for the
    credential. Later calls change nothing (the first time is kept)."""
    await DataRepository(session).mark_data_ready(credential_id, clock.now())


def _address(account: Account) -> dict[str, str | None] | None:
    address = account.service_address
    if address is None:
        return None
    return {
        "line1": address.line1,
        "line2": address.line2,
        "city": address.city,
        "state": address.state,
        "postal_code": address.postal_code,
    }


def _needs_pdf(statement: Statement, stored: StoredStatement | None) -> bool:
    """Download the PDF of a new bill, of a stored one without a PDF, and of a re-issue."""
    if stored is None or stored.pdf_file is None:
        return True
    return (stored.statement_date, stored.native_id) != (
        statement.statement_date,
        statement.native_id,
    )


def _plain(value: Decimal) -> Decimal:
    """Without trailing zeros, never in exponent notation (``1.500000`` → ``1.5``)."""
    value = value.normalize()
    return value.quantize(Decimal(1)) if int(value.as_tuple().exponent) > 0 else value


def _decimal_text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _line_item(item: LineItem) -> dict[str, str | None]:
    return {
        "description": item.description,
        "amount": str(item.amount),
        "quantity": _decimal_text(item.quantity),
        "unit": item.unit,
        "rate": _decimal_text(item.rate),
        "kind": item.kind.value,
    }


def _tou_usage(part: TouUsage) -> dict[str, str]:
    return {"period": part.period, "usage": str(part.usage), "unit": part.unit}


def _statement_row(
    statement: Statement, meter: Any, id_: str, pdf_file: str | None, now: datetime
) -> dict[str, Any]:
    normalized: Decimal | None = None
    normalized_unit: str | None = None
    if (
        statement.usage is not None
        and statement.usage_unit is not None
        and fits_commodity(statement.usage_unit, meter.commodity)
    ):
        quantity = normalize(statement.usage, statement.usage_unit, meter.commodity)
        normalized = _plain(quantity.value.quantize(intervals.RESOLUTION))
        normalized_unit = quantity.unit
    return {
        "id": id_,
        "client_id": meter.client_id,
        "credential_id": meter.credential_id,
        "account_id": meter.account_id,
        "meter_id": meter.id,
        "period_start": statement.period_start,
        "period_end": statement.period_end,
        "statement_date": statement.statement_date,
        "due_date": statement.due_date,
        "amount_due": statement.amount_due,
        "new_charges": statement.new_charges,
        "total_charges": statement.total_charges,
        "previous_balance": statement.previous_balance,
        "payments": statement.payments,
        "currency": statement.currency,
        "usage": statement.usage,
        "usage_unit": statement.usage_unit,
        "normalized_usage": normalized,
        "normalized_unit": normalized_unit,
        "demand": statement.demand,
        "demand_unit": statement.demand_unit,
        "tou_usage": [_tou_usage(part) for part in statement.tou_usage],
        "line_items": [_line_item(item) for item in statement.line_items],
        "pdf_file": pdf_file,
        "native_id": statement.native_id,
        "created_at": now,
        "updated_at": now,
    }
