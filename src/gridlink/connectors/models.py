"""What a connector returns: plain frozen value objects, no behaviour, no database.

The engine persists these as they are. Natural keys it can upsert on: an account by
``number``; a meter by ``number`` within its account; a statement by
``(period_start, period_end)`` within its meter; an interval reading by
``(start, direction)`` within its meter.

Quantities keep the unit the utility used (``unit``/``usage_unit``); convert with
:mod:`gridlink.connectors.units`. Money is always :class:`~decimal.Decimal`, never float.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum


class Commodity(StrEnum):
    ELECTRIC = "electric"
    GAS = "gas"
    WATER = "water"


class AccountStatus(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"
    CLOSED = "closed"


class ServiceClass(StrEnum):
    RESIDENTIAL = "residential"
    COMMERCIAL = "commercial"
    INDUSTRIAL = "industrial"
    AGRICULTURAL = "agricultural"
    OTHER = "other"


class Direction(StrEnum):
    """Which way the quantity flowed, as ESPI's flowDirection names it.

    ``delivered``: from the utility to the customer (consumption, grid import).
    ``received``: from the customer to the utility (net-metering export).
    """

    DELIVERED = "delivered"
    RECEIVED = "received"
    NET = "net"  # delivered minus received, when the utility reports only that (ESPI 4)


class Resolution(StrEnum):
    """What ``fetch_intervals`` is asked for: the meter's finest readings, or one reading per
    day of the meter's calendar (for old history: far fewer requests)."""

    FINEST = "finest"
    DAY = "day"


class ReadingQuality(StrEnum):
    """How the utility got a reading, as it says (ESPI's ReadingQuality, simplified).

    ``estimated`` readings are usually replaced by ``actual`` ones later; a reading the
    utility corrected by hand is ``edited``. None on a reading: the utility did not say.
    """

    ACTUAL = "actual"
    ESTIMATED = "estimated"
    EDITED = "edited"


@dataclass(frozen=True, slots=True)
class ServiceAddress:
    line1: str
    city: str
    state: str
    postal_code: str
    line2: str | None = None

    def __str__(self) -> str:
        street = f"{self.line1}, {self.line2}" if self.line2 else self.line1
        return f"{street}, {self.city}, {self.state} {self.postal_code}"


@dataclass(frozen=True, slots=True)
class Account:
    """One utility account (a billing relationship) reachable with the credential."""

    number: str
    service_address: ServiceAddress | None
    status: AccountStatus = AccountStatus.ACTIVE
    # The utility's own handle when it differs from the printed number (e.g. an opower
    # uuid). The engine stores it and hands the Account back unchanged to fetch_meters.
    native_id: str | None = None


@dataclass(frozen=True, slots=True)
class Meter:
    number: str
    commodity: Commodity
    service_class: ServiceClass
    tariff: str | None
    time_zone: str  # IANA name, e.g. "America/Los_Angeles"
    native_id: str | None = None


@dataclass(frozen=True, slots=True)
class LineItem:
    description: str
    amount: Decimal
    quantity: Decimal | None = None
    unit: str | None = None
    rate: Decimal | None = None


PdfGetter = Callable[[], Awaitable[bytes]]


@dataclass(frozen=True, slots=True)
class Statement:
    """One bill for one meter.

    The period is ``[period_start, period_end)`` in the meter's local calendar:
    ``period_end`` is the closing read date, which is the next period's start. When
    ``line_items`` is not empty their amounts add up to ``amount_due`` exactly.
    """

    period_start: date
    period_end: date
    statement_date: date | None
    due_date: date | None
    amount_due: Decimal
    usage: Decimal | None
    usage_unit: str | None
    line_items: tuple[LineItem, ...] = ()
    currency: str = "USD"
    native_id: str | None = None
    # Downloads the bill PDF; valid only while the session that returned it is open.
    pdf: PdfGetter | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class ReadingComponent:
    """One rate period's share of a reading: a time-of-use period (``period``, e.g.
    ``"ON_PEAK"``) or a tier (``tier``, 1 for the first), with its season when the tariff
    has seasons. ``usage`` is in the reading's unit; ``cost`` in the account's currency.
    """

    period: str | None = None
    tier: int | None = None
    season: str | None = None
    usage: Decimal | None = None
    cost: Decimal | None = None


@dataclass(frozen=True, slots=True)
class IntervalReading:
    """One metered interval: ``[start, start + duration)``, ``start`` in UTC.

    ``cost`` is what the utility says the interval cost (None when it does not say);
    ``components`` its time-of-use or tier breakdown, when given; ``quality`` how it was read.
    """

    start: datetime
    duration: timedelta
    value: Decimal
    unit: str
    direction: Direction = Direction.DELIVERED
    cost: Decimal | None = None
    quality: ReadingQuality | None = None
    components: tuple[ReadingComponent, ...] = ()

    @property
    def end(self) -> datetime:
        return self.start + self.duration
