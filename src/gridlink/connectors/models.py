"""What a connector returns: plain frozen value objects, no behaviour, no database.

The engine persists these as they are. Natural keys it can upsert on: an account by
``number``; a meter by ``number`` within its account; a statement by
``(period_start, period_end)`` within its meter (a re-issued bill for the same period
replaces the stored one; bills with other, overlapping periods are all kept); an interval
reading by ``(start, direction)`` within its meter.

What the utility does not say stays ``None``: never fill a field with a guess or with a
sum that means something else (the sum of the current charges is ``new_charges``, not
``amount_due``).

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
    """A meter (service point). ``number`` is its stable natural key within the account,
    whatever the connector can always name (a uuid when that is all there is); the numbers a
    person would recognise come next to it when the utility gives them."""

    number: str
    commodity: Commodity
    service_class: ServiceClass
    tariff: str | None
    time_zone: str  # IANA name, e.g. "America/Los_Angeles"
    native_id: str | None = None
    meter_number: str | None = None  # the meter number printed on the bill
    service_id: str | None = None  # the utility's service point / ESI ID / service agreement


class LineItemKind(StrEnum):
    """What a bill line charges for. ``delivery``: the wires or pipes (customer, delivery,
    transmission, demand charges); ``supply``: the commodity itself (generation, gas
    procurement, water usage); ``tax``; ``fee``: surcharges and program fees; ``credit``: a
    credit or rebate (a negative amount); ``other``: not classified."""

    DELIVERY = "delivery"
    SUPPLY = "supply"
    TAX = "tax"
    FEE = "fee"
    CREDIT = "credit"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class LineItem:
    description: str
    amount: Decimal
    quantity: Decimal | None = None
    unit: str | None = None
    rate: Decimal | None = None
    kind: LineItemKind = LineItemKind.OTHER


@dataclass(frozen=True, slots=True)
class TouUsage:
    """Usage billed in one time-of-use period, as the bill names it (``"Peak"``)."""

    period: str
    usage: Decimal
    unit: str


PdfGetter = Callable[[], Awaitable[bytes]]


@dataclass(frozen=True, slots=True)
class Statement:
    """One bill for one meter, as the utility issued it.

    The period is ``[period_start, period_end)`` in the meter's local calendar:
    ``period_end`` is the closing read date, which is the next period's start.

    Money, each ``None`` when the bill does not give it:

    - ``new_charges``: this meter's current charges of this period;
    - ``total_charges``: the current charges of the whole bill (every service on it and the
      account's own charges); equals ``new_charges`` on a bill with one meter;
    - ``previous_balance``: the amount due on the previous bill;
    - ``payments``: payments received since the previous bill (a positive number);
    - ``amount_due``: what the bill asks to be paid by ``due_date``: usually
      ``previous_balance - payments + total_charges``, plus any adjustment the bill shows.

    When ``line_items`` is not empty and ``new_charges`` is given, the items' amounts add up
    to ``new_charges`` exactly. ``demand`` is the peak demand billed (``demand_unit`` kW or
    kVA); ``tou_usage`` splits ``usage`` by time-of-use period when the bill does.
    """

    period_start: date
    period_end: date
    statement_date: date | None = None
    due_date: date | None = None
    amount_due: Decimal | None = None
    usage: Decimal | None = None
    usage_unit: str | None = None
    line_items: tuple[LineItem, ...] = ()
    currency: str = "USD"
    native_id: str | None = None
    # Downloads the bill PDF; valid only while the session that returned it is open.
    pdf: PdfGetter | None = field(default=None, repr=False, compare=False)
    new_charges: Decimal | None = None
    total_charges: Decimal | None = None
    previous_balance: Decimal | None = None
    payments: Decimal | None = None
    demand: Decimal | None = None
    demand_unit: str | None = None
    tou_usage: tuple[TouUsage, ...] = ()


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
