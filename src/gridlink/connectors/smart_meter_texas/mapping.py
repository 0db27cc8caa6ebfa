"""The smart_meter_texas library's objects → Gridlink's models. Pure functions, no I/O.

- Each SMT ``Meter`` is one ESI ID (the ERCOT premise id): one ``Account`` and one
  ``Meter`` numbered by the ESI ID; the SMT meter number is the meter's ``native_id``.
  The library gives the address as one free-form string, so ``service_address`` is None.
- 15-minute reads: the library returns ``[["MM/DD/YYYY H:MM", "kWh"], ...]`` in Central
  time, consumption (SMT's "C" rows) and surplus generation ("G" rows). They become
  delivered and received kWh. On the autumn DST day the 1 AM hour appears twice: the
  second occurrence of a local time is the later (CST) one. Times that do not exist
  (the spring-forward hour) are dropped.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from gridlink.connectors.models import (
    Account,
    Commodity,
    Direction,
    IntervalReading,
    Meter,
    ServiceClass,
)
from gridlink.connectors.smart_meter_texas.utilities import TIME_ZONE

ZONE = ZoneInfo(TIME_ZONE)
INTERVAL = timedelta(minutes=15)
UNIT = "kWh"


def accounts(smt_meters: Iterable[Any]) -> list[Account]:
    esiids = dict.fromkeys(str(m.esiid) for m in smt_meters)
    return [Account(esiid, service_address=None) for esiid in esiids]


def meters(smt_meters: Iterable[Any], account: Account) -> list[Meter]:
    return [
        Meter(
            number=str(m.esiid),
            commodity=Commodity.ELECTRIC,
            service_class=ServiceClass.RESIDENTIAL,
            tariff=None,
            time_zone=TIME_ZONE,
            native_id=str(m.meter),
        )
        for m in smt_meters
        if str(m.esiid) == account.number
    ]


def readings(
    consumption: Sequence[Sequence[str]] | None,
    surplus: Sequence[Sequence[str]] | None,
    start: datetime,
    end: datetime,
) -> list[IntervalReading]:
    found: dict[tuple[datetime, Direction], IntervalReading] = {}
    for direction, pairs in ((Direction.DELIVERED, consumption), (Direction.RECEIVED, surplus)):
        for begins, value in _timed(pairs or ()):
            if not start <= begins < end:
                continue
            flow = direction if value >= 0 else _other(direction)
            found[begins, flow] = IntervalReading(begins, INTERVAL, abs(value), UNIT, flow)
    return [found[key] for key in sorted(found)]


def _timed(pairs: Iterable[Sequence[str]]) -> Iterable[tuple[datetime, Decimal]]:
    """(UTC start, value) for each pair, resolving the repeated autumn hour by order."""
    seen: set[datetime] = set()
    for pair in pairs:
        try:
            naive = datetime.strptime(pair[0], "%m/%d/%Y %H:%M")
            value = Decimal(pair[1])
        except (ValueError, IndexError, InvalidOperation):
            continue
        local = naive.replace(tzinfo=ZONE, fold=1 if naive in seen else 0)
        seen.add(naive)
        begins = local.astimezone(UTC)
        if begins.astimezone(ZONE).replace(tzinfo=None) != naive or not value.is_finite():
            continue  # a local time that does not exist
        yield begins, value


def _other(direction: Direction) -> Direction:
    return Direction.RECEIVED if direction == Direction.DELIVERED else Direction.DELIVERED
