"""Generated usage data for the sandbox: deterministic, plausible, and growing with the clock.

Each customer has an electric usage point (hourly Wh, a daily and seasonal shape, monthly
UsageSummary bills with costs) and, when ``services`` says so, a gas one (daily readings in
1/1000 therm). Readings run from local midnight ``days`` before now up to now rounded down to
the hour, one IntervalBlock per local day. A block is published when its data ends, so moving
the clock adds readings to today's block and new blocks after it: what a notification then
announces. A value depends only on the customer, the usage point and the instant (a hash,
not a random stream), so every request and every window sees the same numbers.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from gridlink.greenbutton.custodian import espi_writer as w
from gridlink.greenbutton.custodian.feeds import Customer, FeedEntry
from gridlink.greenbutton.custodian.uris import Uris

DEFAULT_CUSTOMERS = (
    Customer("customer-1", "Alex Rivera", "4021-778-301", ("electric",)),
    Customer("customer-2", "Sam Okafor", "4021-778-512", ("electric", "gas")),
)

# Prices in 1/100,000 USD per Wh: 14.5 is $0.145/kWh (generation), 17.2 is $0.172/kWh.
_GENERATION_PER_WH = 14.5
_DELIVERY_PER_WH = 17.2
_TAX_RATE = 0.0375


@dataclass(frozen=True, slots=True)
class Meter:
    """One generated usage point and how its values are written."""

    id: str
    service: str  # "electric" or "gas"
    service_kind: int  # ServiceCategory kind: 0 electric, 1 gas
    commodity: int  # ReadingType commodity: 1 electricity, 7 natural gas
    uom: int  # 72 Wh, 169 therm
    power_of_ten: int  # values are uom * 10^power_of_ten
    hourly: bool


ELECTRIC = Meter("1", "electric", 0, 1, 72, 0, hourly=True)
GAS = Meter("2", "gas", 1, 7, 169, -3, hourly=False)


def _noise(*parts: object) -> float:
    """A number in [0, 1) fixed by its inputs."""
    digest = hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def _season(day: date, peak_day: int) -> float:
    return math.cos(2 * math.pi * (day.timetuple().tm_yday - peak_day) / 365.25)


class SandboxFeeds:
    def __init__(
        self,
        time_zone: str = "America/Los_Angeles",
        days: int = 400,
        customers: tuple[Customer, ...] = DEFAULT_CUSTOMERS,
    ) -> None:
        self.time_zone = time_zone
        self.zone = ZoneInfo(time_zone)
        self.days = days
        self._customers = {c.id: c for c in customers}

    def customers(self) -> tuple[Customer, ...]:
        return tuple(self._customers.values())

    def meters(self, customer_id: str) -> tuple[Meter, ...]:
        services = self._customers[customer_id].services
        return tuple(m for m in (ELECTRIC, GAS) if m.service in services)

    # Time ------------------------------------------------------------------------------

    def end(self, now: datetime) -> datetime:
        """Readings stop here: now, rounded down to the hour."""
        return now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)

    def start(self, now: datetime) -> datetime:
        """Local midnight ``days`` before the end."""
        first = (self.end(now).astimezone(self.zone) - timedelta(days=self.days)).date()
        return self.midnight(first)

    def midnight(self, day: date) -> datetime:
        return datetime.combine(day, time(), self.zone).astimezone(UTC)

    def days_between(self, start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Each local day's [start, next midnight) overlapping [start, end), cut at ``end``."""
        day = start.astimezone(self.zone).date()
        while (begin := self.midnight(day)) < end:
            yield begin, min(self.midnight(day + timedelta(days=1)), end)
            day += timedelta(days=1)

    # Values ----------------------------------------------------------------------------

    def value(self, customer_id: str, meter: Meter, start: datetime) -> int:
        """The raw ESPI value (Wh, or 1/1000 therm) of the interval starting at ``start``."""
        local = start.astimezone(self.zone)
        jitter = 0.85 + 0.3 * _noise(customer_id, meter.id, int(start.timestamp()))
        if meter.hourly:
            hour = local.hour + 0.5
            shape = (
                0.35
                + 0.45 * math.exp(-((hour - 7.5) ** 2) / 3)
                + 0.95 * math.exp(-((hour - 19.0) ** 2) / 5)
            )
            season = (
                1
                + 0.35 * max(0.0, _season(local.date(), 205))
                + 0.15 * max(0.0, _season(local.date(), 15))
            )
            return round(1300 * shape * season * jitter)
        heating = max(0.0, _season(local.date(), 20))
        return round(1000 * (0.35 + 2.6 * heating) * jitter)

    def readings(
        self, customer_id: str, meter: Meter, begin: datetime, end: datetime
    ) -> list[tuple[datetime, datetime, int]]:
        """The readings inside one local day's block [begin, end)."""
        if not meter.hourly:
            day_end = self.midnight(begin.astimezone(self.zone).date() + timedelta(days=1))
            if day_end > end:
                return []  # a daily reading exists once its day is over
            return [(begin, day_end, self.value(customer_id, meter, begin))]
        found = []
        moment = begin
        while moment < end:
            found.append(
                (moment, moment + timedelta(hours=1), self.value(customer_id, meter, moment))
            )
            moment += timedelta(hours=1)
        return found

    # Entries ---------------------------------------------------------------------------

    def entries(
        self, customer_id: str, *, uris: Uris, subscription_id: str, now: datetime
    ) -> list[FeedEntry]:
        start, end = self.start(now), self.end(now)
        found: list[FeedEntry] = []
        local_time_href = uris.local_time(self.time_zone.replace("/", "-"))
        found.append(
            FeedEntry(
                w.entry(
                    name=f"ltp/{self.time_zone}",
                    title="Local time",
                    links=w.Links(local_time_href, up=f"{uris.resource}/LocalTimeParameters"),
                    published=start,
                    updated=start,
                    content=w.local_time_parameters(self.time_zone, end.year),
                )
            )
        )
        for meter in self.meters(customer_id):
            found.extend(self._meter_entries(customer_id, meter, uris, subscription_id, start, end))
            found.extend(self._blocks(customer_id, meter, uris, subscription_id, start, end))
            if meter is ELECTRIC:
                found.extend(self._summaries(customer_id, uris, subscription_id, start, end))
        return found

    def _meter_entries(
        self,
        customer_id: str,
        meter: Meter,
        uris: Uris,
        subscription_id: str,
        start: datetime,
        end: datetime,
    ) -> list[FeedEntry]:
        point = uris.usage_point(subscription_id, meter.id)
        reading = f"{point}/MeterReading/1"
        reading_type = uris.reading_type(f"{customer_id}-{meter.service}")
        name = f"{customer_id}/{meter.id}"
        customer = self._customers[customer_id]
        return [
            FeedEntry(
                w.entry(
                    name=f"{name}/UsagePoint",
                    title=f"{customer.account} {meter.service}",
                    links=w.Links(
                        point,
                        up=point.rsplit("/", 1)[0],
                        related=(
                            f"{point}/MeterReading",
                            f"{point}/UsageSummary",
                            uris.local_time(self.time_zone.replace("/", "-")),
                        ),
                    ),
                    published=start,
                    updated=end,
                    content=w.usage_point(meter.service_kind),
                )
            ),
            FeedEntry(
                w.entry(
                    name=f"{name}/MeterReading",
                    title="Hourly energy" if meter.hourly else "Daily gas",
                    links=w.Links(
                        reading,
                        up=f"{point}/MeterReading",
                        related=(f"{reading}/IntervalBlock", reading_type),
                    ),
                    published=start,
                    updated=end,
                    content=w.resource("MeterReading"),
                )
            ),
            FeedEntry(
                w.entry(
                    name=f"{name}/ReadingType",
                    title="Reading type",
                    links=w.Links(reading_type, up=reading_type.rsplit("/", 1)[0]),
                    published=start,
                    updated=start,
                    content=w.reading_type(
                        commodity=meter.commodity,
                        uom=meter.uom,
                        power_of_ten=meter.power_of_ten,
                        interval_seconds=3600 if meter.hourly else 86400,
                    ),
                )
            ),
        ]

    def _blocks(
        self,
        customer_id: str,
        meter: Meter,
        uris: Uris,
        subscription_id: str,
        start: datetime,
        end: datetime,
    ) -> Iterator[FeedEntry]:
        reading = f"{uris.usage_point(subscription_id, meter.id)}/MeterReading/1"
        for begin, finish in self.days_between(start, end):
            values = self.readings(customer_id, meter, begin, finish)
            if not values:
                continue
            data_end = values[-1][1]
            day = begin.astimezone(self.zone).date().isoformat()
            yield FeedEntry(
                w.entry(
                    name=f"{customer_id}/{meter.id}/IntervalBlock/{day}",
                    title=f"Readings of {day}",
                    links=w.Links(f"{reading}/IntervalBlock/{day}", up=f"{reading}/IntervalBlock"),
                    published=data_end,
                    updated=data_end,
                    content=w.interval_block(values[0][0], data_end, values),
                ),
                published=data_end,
            )

    def _summaries(
        self, customer_id: str, uris: Uris, subscription_id: str, start: datetime, end: datetime
    ) -> Iterator[FeedEntry]:
        point = uris.usage_point(subscription_id, ELECTRIC.id)
        month = start.astimezone(self.zone).date().replace(day=1)
        while True:
            following = (month + timedelta(days=32)).replace(day=1)
            begin, finish = self.midnight(month), self.midnight(following)
            if finish > end:
                return
            if begin >= start:
                yield self._summary(customer_id, point, month, begin, finish)
            month = following

    def _summary(
        self, customer_id: str, point: str, month: date, begin: datetime, finish: datetime
    ) -> FeedEntry:
        used = sum(
            value
            for day_start, day_end in self.days_between(begin, finish)
            for _, _, value in self.readings(customer_id, ELECTRIC, day_start, day_end)
        )
        generation = round(used * _GENERATION_PER_WH)
        delivery = round(used * _DELIVERY_PER_WH)
        tax = round((generation + delivery) * _TAX_RATE)
        items = (
            w.LineItem(generation, 1, "Generation charges"),
            w.LineItem(delivery, 2, "Delivery charges"),
            w.LineItem(tax, 5, "Utility users tax"),
        )
        label = month.strftime("%Y-%m")
        return FeedEntry(
            w.entry(
                name=f"{customer_id}/UsageSummary/{label}",
                title=f"Bill for {label}",
                links=w.Links(f"{point}/UsageSummary/{label}", up=f"{point}/UsageSummary"),
                published=finish,
                updated=finish,
                content=w.usage_summary(start=begin, end=finish, items=items, consumption_wh=used),
            ),
            published=finish,
        )
