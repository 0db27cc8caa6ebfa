"""Stored-data fixtures built through the real write API (what the sync engine calls)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from fastapi import FastAPI

from gridlink.connectors.models import (
    Account,
    Commodity,
    Direction,
    IntervalReading,
    Meter,
    ServiceAddress,
    ServiceClass,
)
from gridlink.connectors.sandbox.customers import SandboxMeter
from gridlink.data import service
from gridlink.kit.clock import Clock
from gridlink.kit.db import Database
from tests.factories import TestClient, make_credential

NEW_YORK = "America/New_York"


def sandbox_meter(number: str = "E100200300", *, solar_kw: float = 0.0) -> SandboxMeter:
    meter = Meter(number, Commodity.ELECTRIC, ServiceClass.RESIDENTIAL, "E-1", NEW_YORK)
    return SandboxMeter(meter, seed=7, size=1.0, read_day=5, solar_kw=solar_kw)


def account(number: str = "1234-5678") -> Account:
    return Account(number, ServiceAddress("12 Elm Court", "Springfield", "NY", "10001"))


@dataclass(frozen=True)
class Seeded:
    credential_id: str
    account_id: str
    meter_id: str


async def seed(
    app: FastAPI,
    client: TestClient,
    client_user_id: str = "user-1",
    *,
    meter: Meter | None = None,
    ready: bool = True,
) -> Seeded:
    """A credential with one account and one meter, marked ready unless ``ready`` is false."""
    db: Database = app.state.db
    clock: Clock = app.state.clock
    credential_id = await make_credential(app, client, client_user_id)
    async with db.transaction() as session:
        [stored_account] = await service.upsert_accounts(session, clock, credential_id, [account()])
        [stored_meter] = await service.upsert_meters(
            session, clock, stored_account.id, [meter or sandbox_meter().meter]
        )
        if ready:
            await service.mark_data_ready(session, clock, credential_id)
    return Seeded(credential_id, stored_account.id, stored_meter.id)


def quarter_hours(
    start: datetime, count: int, value: str = "0.25", direction: Direction = Direction.DELIVERED
) -> list[IntervalReading]:
    step = timedelta(minutes=15)
    return [
        IntervalReading(start + i * step, step, Decimal(value), "kWh", direction)
        for i in range(count)
    ]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]
