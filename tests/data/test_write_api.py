"""The write API the sync engine calls: idempotent upserts on natural keys, both databases."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from gridlink.connectors.models import AccountStatus, Direction, Statement
from gridlink.connectors.sandbox import intervals as sandbox_intervals
from gridlink.connectors.sandbox import statements as sandbox_statements
from gridlink.data import intervals, service
from gridlink.data.files import FileStore
from gridlink.kit.clock import ManualClock
from gridlink.kit.db import Database
from gridlink.models import (
    UtilityAccount,
    UtilityCredential,
    UtilityIntervalDay,
    UtilityMeter,
    UtilityStatement,
)
from tests.data.helpers import account, quarter_hours, sandbox_meter, seed, utc
from tests.factories import make_client


async def _rows(db: Database, model: Any) -> list[tuple[Any, ...]]:
    async with db.transaction(write=False) as session:
        table = model.__table__
        result = await session.execute(select(table).order_by(*table.primary_key.columns))
        return [tuple(row) for row in result.all()]


async def test_accounts_and_meters_upsert_on_their_numbers(
    app: FastAPI, db: Database, clock: ManualClock
) -> None:
    client = await make_client(app)
    seeded = await seed(app, client)
    before = await _rows(db, UtilityAccount), await _rows(db, UtilityMeter)
    clock.advance(timedelta(minutes=5))
    async with db.transaction() as session:
        again = await service.upsert_accounts(session, clock, seeded.credential_id, [account()])
        meters = await service.upsert_meters(
            session, clock, seeded.account_id, [sandbox_meter().meter]
        )
    assert [(s.id, s.created) for s in again] == [(seeded.account_id, False)]
    assert [(s.id, s.created) for s in meters] == [(seeded.meter_id, False)]
    assert (await _rows(db, UtilityAccount), await _rows(db, UtilityMeter)) == before

    closed = replace(account(), status=AccountStatus.CLOSED)
    async with db.transaction() as session:
        stored = await service.upsert_accounts(
            session, clock, seeded.credential_id, [closed, account("9999")]
        )
    assert [(s.key, s.created) for s in stored] == [("1234-5678", False), ("9999", True)]
    async with db.transaction(write=False) as session:
        row = await session.get(UtilityAccount, seeded.account_id)
        assert row is not None
        assert row.status == "closed"
        assert row.updated_at == clock.now()
        assert row.service_address == {
            "line1": "12 Elm Court",
            "line2": None,
            "city": "Springfield",
            "state": "NY",
            "postal_code": "10001",
        }
        meter = await session.get(UtilityMeter, seeded.meter_id)
        assert meter is not None
        assert (meter.unit, meter.time_zone) == ("kWh", "America/New_York")


async def test_unknown_parents_are_refused(app: FastAPI, db: Database, clock: ManualClock) -> None:
    async with db.transaction() as session:
        with pytest.raises(service.UnknownRecord):
            await service.upsert_accounts(session, clock, "ucr_01JD3Q2V7S9X8Y6Z5W4V3U2T1S", [])
        with pytest.raises(service.UnknownRecord):
            await service.upsert_intervals(session, "mtr_01JD3Q2V7S9X8Y6Z5W4V3U2T1S", [])


def _sandbox_statements(count: int = 3) -> list[Statement]:
    meter = sandbox_meter()
    periods = sandbox_statements.periods(meter, date(2025, 6, 30), count)
    return [sandbox_statements.statement(meter, p, header=("Sandbox", "Bill")) for p in periods]


async def test_statements_keep_exact_money_and_store_their_pdf(
    app: FastAPI, db: Database, clock: ManualClock, tmp_path: Path
) -> None:
    client = await make_client(app)
    seeded = await seed(app, client)
    files = FileStore(tmp_path / "files")
    fetched = _sandbox_statements()
    pdfs = await service.fetch_pdfs(fetched)
    async with db.transaction() as session:
        stored = await service.upsert_statements(
            session, clock, files, seeded.meter_id, fetched, pdfs
        )
    assert [s.created for s in stored] == [True, True, True]
    async with db.transaction(write=False) as session:
        rows = (
            await session.scalars(select(UtilityStatement).order_by(UtilityStatement.period_start))
        ).all()
    assert len(rows) == 3
    for row, statement, pdf in zip(rows, fetched, pdfs, strict=True):
        assert row.amount_due == statement.amount_due
        assert sum(Decimal(item["amount"]) for item in row.line_items) == row.new_charges
        assert row.usage == statement.usage
        assert (row.normalized_usage, row.normalized_unit) == (statement.usage, "kWh")
        assert row.pdf_file is not None
        assert files.path(row.pdf_file).read_bytes() == pdf
        assert row.account_id == seeded.account_id
    # No temporary file survives a write.
    assert not [p for p in (tmp_path / "files").rglob("*") if p.name.endswith(".tmp")]


async def test_statement_rewrites_change_nothing_and_keep_the_pdf(
    app: FastAPI, db: Database, clock: ManualClock, tmp_path: Path
) -> None:
    client = await make_client(app)
    seeded = await seed(app, client)
    files = FileStore(tmp_path / "files")
    fetched = _sandbox_statements(2)
    async with db.transaction() as session:
        first = await service.upsert_statements(session, clock, files, seeded.meter_id, fetched)
    before = await _rows(db, UtilityStatement)
    clock.advance(timedelta(hours=1))
    without_pdf = [replace(s, pdf=None) for s in fetched]
    async with db.transaction() as session:
        again = await service.upsert_statements(session, clock, files, seeded.meter_id, without_pdf)
    assert [(s.id, s.created) for s in again] == [(s.id, False) for s in first]
    assert await _rows(db, UtilityStatement) == before

    corrected = replace(fetched[0], due_date=date(2030, 1, 1), pdf=None)
    async with db.transaction() as session:
        await service.upsert_statements(session, clock, files, seeded.meter_id, [corrected])
    async with db.transaction(write=False) as session:
        row = await session.get(UtilityStatement, first[0].id)
        assert row is not None
        assert row.due_date == date(2030, 1, 1)
        assert row.pdf_file is not None  # the stored PDF stays
        assert row.updated_at == clock.now()


def test_file_store_writes_whole_files_by_content(tmp_path: Path) -> None:
    files = FileStore(tmp_path)
    name = files.put(b"%PDF-1.4 hello")
    assert files.put(b"%PDF-1.4 hello") == name
    assert files.path(name).read_bytes() == b"%PDF-1.4 hello"
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [name.split("/")[1]]
    with pytest.raises(ValueError, match="not a file store name"):
        files.path("../../etc/passwd")


async def _day_rows(db: Database) -> list[tuple[Any, ...]]:
    return await _rows(db, UtilityIntervalDay)


async def test_intervals_rewrite_is_a_no_op_and_overlaps_merge(
    app: FastAPI, db: Database, clock: ManualClock
) -> None:
    client = await make_client(app)
    seeded = await seed(app, client)
    first = quarter_hours(utc(2025, 1, 1), 96 * 2)  # two whole days
    async with db.transaction() as session:
        change = await service.upsert_intervals(session, seeded.meter_id, first)
    assert (change.added, change.changed, change.unchanged) == (192, 0, 0)
    assert (change.start, change.end) == (utc(2025, 1, 1), utc(2025, 1, 3))
    stored = await _day_rows(db)
    assert len(stored) == 2

    async with db.transaction() as session:
        again = await service.upsert_intervals(session, seeded.meter_id, first)
    assert not again.has_changes
    assert (again.added, again.changed, again.unchanged) == (0, 0, 192)
    assert await _day_rows(db) == stored

    # Overlap: the second day again with one corrected value, and half of a third day.
    overlap = quarter_hours(utc(2025, 1, 2), 96 + 48)
    overlap[10] = replace(overlap[10], value=Decimal("0.75"))
    async with db.transaction() as session:
        merged = await service.upsert_intervals(session, seeded.meter_id, overlap)
    assert (merged.added, merged.changed, merged.unchanged) == (48, 1, 95)
    assert merged.start == utc(2025, 1, 2, 2, 30)
    assert merged.end == utc(2025, 1, 3, 12)
    rows = await _day_rows(db)
    assert len(rows) == 3
    assert rows[0] == stored[0]  # the first day was not rewritten
    third = intervals.unpack(rows[2][6], 96)
    assert list(third[:48]) == [250_000] * 48
    assert set(third[48:]) == {intervals.MISSING}


async def test_both_directions_and_unit_conversion(
    app: FastAPI, db: Database, clock: ManualClock
) -> None:
    client = await make_client(app)
    seeded = await seed(app, client)
    meter = sandbox_meter(solar_kw=6.5)
    in_kwh = sandbox_intervals.readings(meter, utc(2025, 6, 1, 4), utc(2025, 6, 2, 4))
    # The same readings in Wh: stored in the meter's kWh, exactly.
    readings = [replace(r, value=r.value * 1000, unit="Wh") for r in in_kwh]
    async with db.transaction() as session:
        change = await service.upsert_intervals(session, seeded.meter_id, readings)
    assert change.added == len(readings) == 192
    rows = await _day_rows(db)
    by_key = {
        (row[1], row[2]): intervals.unpack(row[6], intervals.slot_count(row[3], row[4]))
        for row in rows
    }
    for reading in readings:
        day = intervals.day_number(reading.start.date())
        slot = (reading.start - utc(*reading.start.timetuple()[:3])) // timedelta(minutes=15)
        expected = int(reading.value * 1000)  # Wh → micro-kWh
        assert by_key[(reading.direction.value, intervals.day_from_number(day))][slot] == expected
    assert {row[5] for row in rows} == {"Wh"}
    assert {row[1] for row in rows} == {Direction.DELIVERED.value, Direction.RECEIVED.value}


async def test_readings_in_a_unit_the_meter_cannot_have_are_refused(
    app: FastAPI, db: Database, clock: ManualClock
) -> None:
    client = await make_client(app)
    seeded = await seed(app, client)
    bad = [replace(r, unit="gal") for r in quarter_hours(utc(2025, 1, 1), 2)]
    async with db.transaction() as session:
        with pytest.raises(ValueError, match="cannot report"):
            await service.upsert_intervals(session, seeded.meter_id, bad)


async def test_mark_data_ready_keeps_the_first_time(
    app: FastAPI, db: Database, clock: ManualClock
) -> None:
    client = await make_client(app)
    seeded = await seed(app, client, ready=False)
    async with db.transaction() as session:
        await service.mark_data_ready(session, clock, seeded.credential_id)
    first = clock.now()
    clock.advance(timedelta(hours=2))
    async with db.transaction() as session:
        await service.mark_data_ready(session, clock, seeded.credential_id)
    async with db.transaction(write=False) as session:
        credential = await session.get(UtilityCredential, seeded.credential_id)
        assert credential is not None
        assert credential.data_ready_at == first
