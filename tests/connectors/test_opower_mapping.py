"""The opower mapping on the library's own dataclasses: DST days, windows, units, net
metering, bills. (The connector on the real library over HTTP: test_opower_windows.py,
test_opower_conformance.py.)"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from opower import Account as OpowerAccount
from opower import (
    AggregateType,
    Bill,
    BillSegment,
    BillServiceQuantity,
    CostRead,
    Forecast,
    MeterType,
    ReadResolution,
    UnitOfMeasure,
    UsageRead,
)
from opower.opower import Customer

from gridlink.connectors.models import Commodity, Direction
from gridlink.connectors.opower import mapping

LA = ZoneInfo("America/Los_Angeles")


def agreement(
    uuid: str,
    number: str,
    meter_type: MeterType = MeterType.ELEC,
    resolution: ReadResolution | None = ReadResolution.HOUR,
) -> OpowerAccount:
    return OpowerAccount(Customer("cust-1"), uuid, number, number, meter_type, resolution)


ELEC = agreement("sa-e", "100")
GAS = agreement("sa-g", "100", MeterType.GAS, ReadResolution.DAY)


def _hourly(day: date) -> list[UsageRead]:
    """A local day's hourly reads as the library returns them: aware, local offsets."""
    moment = datetime.combine(day, datetime.min.time(), LA).astimezone(UTC)
    stop = datetime.combine(day + timedelta(days=1), datetime.min.time(), LA).astimezone(UTC)
    reads = []
    while moment < stop:
        reads.append(
            UsageRead(moment.astimezone(LA), (moment + timedelta(hours=1)).astimezone(LA), 0.25)
        )
        moment += timedelta(hours=1)
    return reads


def _window(day: date) -> tuple[datetime, datetime]:
    return (
        datetime.combine(day, datetime.min.time(), LA).astimezone(UTC),
        datetime.combine(day + timedelta(days=2), datetime.min.time(), LA).astimezone(UTC),
    )


def test_the_autumn_day_has_25_distinct_hours_and_spring_23() -> None:
    for day, hours in ((date(2025, 11, 2), 25), (date(2026, 3, 8), 23)):
        readings = mapping.readings(_hourly(day), "kWh", *_window(day))
        assert len(readings) == hours
        starts = [r.start for r in readings]
        assert starts == sorted(set(starts))
        assert all(r.start.tzinfo is UTC or r.start.utcoffset() == timedelta(0) for r in readings)
        assert {r.duration for r in readings} == {timedelta(hours=1)}
        assert sum(r.value for r in readings) == Decimal("0.25") * hours


def test_a_daily_read_on_a_dst_day_lasts_that_day() -> None:
    start = datetime(2025, 11, 2, tzinfo=LA)
    read = CostRead(start, datetime(2025, 11, 3, tzinfo=LA), 30.5, 4.1)
    (reading,) = mapping.readings([read], "CCF", *_window(date(2025, 11, 2)))
    assert reading.duration == timedelta(hours=25)
    assert reading.start == datetime(2025, 11, 2, 7, tzinfo=UTC)
    assert (reading.value, reading.unit) == (Decimal("30.5"), "CCF")


def test_net_export_without_registers_is_received_energy() -> None:
    begins = datetime(2026, 3, 10, 12, tzinfo=LA)
    read = UsageRead(begins, begins + timedelta(hours=1), -1.75)
    (reading,) = mapping.readings([read], "kWh", begins, begins + timedelta(hours=1))
    assert (reading.direction, reading.value) == (Direction.RECEIVED, Decimal("1.75"))


def test_registers_give_gross_import_and_export() -> None:
    begins = datetime(2026, 3, 10, 12, tzinfo=LA)
    read = UsageRead(begins, begins + timedelta(hours=1), -1.5, imported=0.25, exported=1.75)
    readings = mapping.readings([read], "kWh", begins, begins + timedelta(hours=1))
    assert [(r.direction, r.value) for r in readings] == [
        (Direction.DELIVERED, Decimal("0.25")),
        (Direction.RECEIVED, Decimal("1.75")),
    ]


def test_reads_outside_the_window_are_left_out() -> None:
    """The library reads whole local days; the contract is [start, end)."""
    day = date(2026, 3, 10)
    start = datetime(2026, 3, 10, 6, tzinfo=LA).astimezone(UTC)
    end = datetime(2026, 3, 10, 9, tzinfo=LA).astimezone(UTC)
    readings = mapping.readings(_hourly(day), "kWh", start, end)
    assert [r.start.astimezone(LA).hour for r in readings] == [6, 7, 8]


def test_windows_are_the_local_days_holding_them_one_request_each() -> None:
    start = datetime(2026, 3, 1, tzinfo=UTC)  # Feb 28, 16:00 in Los Angeles
    end = datetime(2026, 4, 1, tzinfo=UTC)  # Mar 31, 17:00 (summer time)
    spans = mapping.local_day_spans(start, end, LA, AggregateType.HOUR)
    assert spans == [
        (datetime(2026, 2, 28, tzinfo=LA), datetime(2026, 3, 25, tzinfo=LA)),  # 26 days
        (datetime(2026, 3, 26, tzinfo=LA), datetime(2026, 3, 31, tzinfo=LA)),
    ]
    assert all(s.tzinfo is LA for span in spans for s in span)
    fifteen = mapping.local_day_spans(start, end, LA, AggregateType.QUARTER_HOUR)
    assert len(fifteen) == 6  # 32 local days, 6 a request
    assert fifteen[0] == (datetime(2026, 2, 28, tzinfo=LA), datetime(2026, 3, 5, tzinfo=LA))
    # An end on a local midnight does not ask for the day it starts.
    local = mapping.local_day_spans(
        datetime(2026, 3, 8, 8, tzinfo=UTC),
        datetime(2026, 3, 9, 7, tzinfo=UTC),
        LA,
        AggregateType.DAY,
    )
    assert local == [(datetime(2026, 3, 8, tzinfo=LA), datetime(2026, 3, 8, tzinfo=LA))]


def test_reads_longer_than_a_day_are_bill_periods() -> None:
    day = CostRead(datetime(2025, 11, 2, tzinfo=LA), datetime(2025, 11, 3, tzinfo=LA), 30.5, 4.1)
    assert not mapping.has_bill_periods([day])  # 25 hours: a fall-back day
    month = CostRead(datetime(2026, 1, 6), datetime(2026, 2, 5), 0, 81.2)  # bill history
    assert mapping.has_bill_periods([day, month])


def test_registers_can_be_ignored() -> None:
    """Gas meters: the library may attach a solar neighbour's electric registers."""
    begins = datetime(2026, 3, 10, tzinfo=LA)
    read = CostRead(begins, begins + timedelta(days=1), 2.5, 3.0, imported=9.0, exported=4.0)
    (reading,) = mapping.readings(
        [read], "therm", begins, begins + timedelta(days=1), registers=False
    )
    assert (reading.direction, reading.value) == (Direction.DELIVERED, Decimal("2.5"))


def test_units_stay_as_the_library_gives_them() -> None:
    today = date(2026, 3, 1)
    therms = Forecast(GAS, today, today, today, UnitOfMeasure.THERM, 1, 1, 1, 1, 1, 1)
    assert mapping.unit_of(ELEC, [therms]) == "kWh"
    assert mapping.unit_of(GAS, [therms]) == "therm"
    assert mapping.unit_of(GAS, []) == "CCF"  # no forecast: the library's other gas unit
    assert mapping.COMMODITY[GAS.meter_type] == Commodity.GAS


def test_agreements_sharing_a_number_are_one_account_with_a_meter_each() -> None:
    other = agreement("sa-x", "200")
    accounts = mapping.accounts([ELEC, GAS, other])
    assert [a.number for a in accounts] == ["100", "200"]
    meters = mapping.meters([ELEC, GAS, other], accounts[0], "America/Los_Angeles")
    assert [(m.number, m.commodity) for m in meters] == [
        ("sa-e", Commodity.ELECTRIC),
        ("sa-g", Commodity.GAS),
    ]
    assert mapping.aggregate_for(agreement("b", "1", resolution=ReadResolution.BILLING)) is None
    assert (
        mapping.aggregate_for(agreement("f", "1", resolution=ReadResolution.FIVE_MINUTE))
        is not None
    )


def _bill(start: date, end: date, segments: list[BillSegment], issued: date | None = None) -> Bill:
    return Bill(
        issued or end + timedelta(days=3),
        datetime.combine(start, datetime.min.time(), LA).astimezone(UTC),
        datetime.combine(end, datetime.min.time(), LA).astimezone(UTC),
        None,
        segments,
    )


def _kwh(value: float, kind: str = "NET_USAGE") -> BillServiceQuantity:
    return BillServiceQuantity(UnitOfMeasure.KWH, kind, value)


def test_bills_become_statements_oldest_first_with_exact_amounts() -> None:
    bills = [
        _bill(
            date(2026, 2, 5),
            date(2026, 3, 5),
            [BillSegment(ELEC, 0.1, [_kwh(300)]), BillSegment(ELEC, 0.2, [_kwh(12.5)])],
        ),
        _bill(
            date(2026, 1, 5),
            date(2026, 2, 5),
            [BillSegment(ELEC, 98.76, [_kwh(410.5), _kwh(395.0, "DELIVERED")])],
        ),
    ]  # newest first, as the library returns them
    statements = mapping.statements_from_bills(bills, "sa-e", LA, None)
    assert [(s.period_start, s.period_end) for s in statements] == [
        (date(2026, 1, 5), date(2026, 2, 5)),
        (date(2026, 2, 5), date(2026, 3, 5)),
    ]
    assert statements[1].new_charges == Decimal("0.3")  # repeated segments add up, exactly
    # The library gives the current charges only: no amount due, balance or payments.
    for unknown in ("amount_due", "total_charges", "previous_balance", "payments", "demand"):
        assert {getattr(s, unknown) for s in statements} == {None}
    assert (statements[1].usage, statements[1].usage_unit) == (Decimal("312.5"), "kWh")
    assert (statements[0].usage, statements[0].usage_unit) == (Decimal("410.5"), "kWh")
    assert statements[0].statement_date == date(2026, 2, 8)
    assert statements[0].due_date is None
    assert statements[0].line_items == ()


def test_bills_without_this_meters_amount_are_skipped() -> None:
    bills = [
        _bill(date(2026, 2, 5), date(2026, 3, 5), [BillSegment(GAS, 40.0, [])]),
        _bill(date(2026, 1, 5), date(2026, 2, 5), [BillSegment(ELEC, None, [_kwh(1)])]),
    ]
    assert mapping.statements_from_bills(bills, "sa-e", LA, None) == []
    (gas,) = mapping.statements_from_bills(bills, "sa-g", LA, None)
    assert (gas.usage, gas.usage_unit) == (None, None)  # no quantities: usage unknown


def test_overlapping_bills_are_all_kept_and_a_reissue_of_one_period_wins() -> None:
    segment = [BillSegment(ELEC, 90.0, [])]
    # Consecutive bills sharing their read days (the end day counts): each overlaps the next
    # by one local day.
    january = _bill(date(2026, 1, 5), date(2026, 2, 6), [BillSegment(ELEC, 85.0, [])])
    february = _bill(date(2026, 2, 5), date(2026, 3, 6), segment)
    march = _bill(date(2026, 3, 5), date(2026, 4, 5), segment)
    reissued = _bill(
        date(2026, 1, 5), date(2026, 2, 6), [BillSegment(ELEC, 80.0, [])], date(2026, 2, 20)
    )
    kept = mapping.statements_from_bills([march, reissued, february, january], "sa-e", LA, None)
    assert [(s.period_start, s.period_end, s.new_charges) for s in kept] == [
        (date(2026, 1, 5), date(2026, 2, 6), Decimal("80.0")),  # the later issue of the period
        (date(2026, 2, 5), date(2026, 3, 6), Decimal("90.0")),
        (date(2026, 3, 5), date(2026, 4, 5), Decimal("90.0")),
    ]
    since = mapping.statements_from_bills([march, february, january], "sa-e", LA, date(2026, 3, 5))
    assert [s.period_start for s in since] == [date(2026, 2, 5), date(2026, 3, 5)]


def test_a_period_ending_inside_a_day_counts_that_day() -> None:
    read = CostRead(
        datetime(2026, 1, 5, tzinfo=LA), datetime(2026, 2, 4, 23, 59, 59, tzinfo=LA), 512.25, 97.1
    )
    (statement,) = mapping.statements_from_cost_reads([read], "kWh", LA, None)
    assert (statement.period_start, statement.period_end) == (date(2026, 1, 5), date(2026, 2, 5))
    assert (statement.new_charges, statement.usage) == (Decimal("97.1"), Decimal("512.25"))
    assert statement.amount_due is None
    assert statement.statement_date is None
    assert mapping.statements_from_cost_reads([read], "kWh", LA, date(2026, 2, 5)) == []
