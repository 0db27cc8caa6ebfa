"""Reading the data API in-process, for pages that show a credential's recent data (the demo,
the operator dashboard): every page of a list, and a meter's daily or monthly totals ending
today in the client's utility-side time. Everything goes through gridlink.data.reads, so these
pages see exactly what the API would answer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, Protocol, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.auth.service import AuthenticatedClient
from gridlink.data import reads
from gridlink.data.export import Series
from gridlink.data.intervals import SCALE
from gridlink.data.schemas import DataFilters, UtilityMeterOut
from gridlink.errors import DataUnavailable
from gridlink.kit.clock import Clock
from gridlink.kit.pagination import MAX_LIMIT, Page, PageParams
from gridlink.sandbox import service as sandbox


class _HasId(Protocol):
    @property
    def id(self) -> str: ...


T = TypeVar("T", bound=_HasId)
if TYPE_CHECKING:  # Page[T] with a bound T is for the type checker only (Pydantic would build it)
    Reader = Callable[
        [AsyncSession, AuthenticatedClient, DataFilters, PageParams], Awaitable[Page[T]]
    ]


async def every(
    read: Reader[T], session: AsyncSession, client: AuthenticatedClient, filters: DataFilters
) -> list[T]:
    """Every page of one list read (one end user's accounts or bills are a handful)."""
    items: list[T] = []
    after = None
    while True:
        page = await read(session, client, filters, PageParams(limit=MAX_LIMIT, after=after))
        items.extend(page.data)
        if not page.has_more or not page.data:
            return items
        after = page.data[-1].id


def retry_after(error: DataUnavailable) -> int | None:
    value = error.headers.get("Retry-After", "")
    return int(value) if value.isdigit() else None


def midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), zone)


def utility_today(clock: Clock, client: AuthenticatedClient, zone: ZoneInfo) -> date:
    """Today at the meter, in the client's utility-side time (a sandbox clock may run ahead)."""
    return sandbox.read_clock(clock, client).now.astimezone(zone).date()


def points(series: Series, zone: ZoneInfo) -> list[tuple[datetime, float]]:
    """(local start, total in the meter's unit) of each bucket."""
    out = []
    for start, _end, _direction, value, *_details in series.points:
        out.append((datetime.fromtimestamp(start, zone), value / SCALE))
    return out


async def delivered_series(
    session: AsyncSession,
    client: AuthenticatedClient,
    meter: UtilityMeterOut,
    start: date,
    end: date,
    resolution: str,
) -> Series:
    """Delivered energy only (a solar meter's export is left out of "usage"), from the local
    midnight starting ``start`` to the one starting ``end``."""
    zone = ZoneInfo(meter.time_zone)
    query: dict[str, Any] = {"meter_id": meter.id, "direction": "delivered"}
    return await reads.interval_series(
        session,
        client,
        reads.IntervalQuery(
            start=midnight(start, zone), end=midnight(end, zone), resolution=resolution, **query
        ),
    )


def days_before(day: date, count: int) -> date:
    return day - timedelta(days=count)
