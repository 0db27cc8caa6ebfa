"""The packed day layout on its own: round trips, gaps, widths, merging."""

from __future__ import annotations

from array import array
from datetime import timedelta
from decimal import Decimal

import pytest

from gridlink.connectors.models import Direction, IntervalReading
from gridlink.data import intervals
from gridlink.data.intervals import MISSING, DayBatch, MicroUnits, StoredDay
from tests.data.helpers import quarter_hours, utc


def test_round_trip_with_gaps_narrow_and_wide() -> None:
    narrow = array("q", [MISSING] * 96)
    narrow[0], narrow[5], narrow[95] = 0, -1_250_000, 2**31 - 1
    blob = intervals.pack(narrow)
    assert len(blob) == 96 * 4
    assert intervals.unpack(blob, 96) == narrow

    wide = array("q", narrow)
    wide[7] = 5_000_000_000  # 5,000 kWh in one interval: past 4 bytes
    blob = intervals.pack(wide)
    assert len(blob) == 96 * 8
    assert intervals.unpack(blob, 96) == wide


def test_unpack_refuses_a_blob_of_the_wrong_length() -> None:
    with pytest.raises(ValueError, match="cannot be"):
        intervals.unpack(b"\x00" * 100, 96)


def test_slot_counts() -> None:
    assert intervals.slot_count(900, 0) == 96
    assert intervals.slot_count(3600, 1800) == 24  # an hourly meter in a :30 time zone
    assert intervals.slot_count(86_400 + 3_600, 4 * 3600) == 1  # a 25-hour daily reading


def test_micro_units_convert_exactly_where_they_can() -> None:
    kwh = MicroUnits("kWh")
    assert kwh(Decimal("0.123"), "kWh") == 123_000
    assert kwh(Decimal("250"), "Wh") == 250_000
    assert kwh(Decimal("1.5"), "MWh") == 1_500_000_000
    assert kwh(Decimal("0.0000004"), "kWh") == 0  # below the resolution: rounded half-even
    therm = MicroUnits("therm")
    assert therm(Decimal(1), "CCF") == 1_037_000  # 1,037 Btu per cubic foot


def test_group_places_readings_by_utc_day_and_slot_in_both_directions() -> None:
    readings = [
        *quarter_hours(utc(2025, 3, 1, 23, 30), 4, "0.5"),
        *quarter_hours(utc(2025, 3, 1, 23, 30), 2, "0.1", Direction.RECEIVED),
    ]
    batches = intervals.group(readings, MicroUnits("kWh"))
    day = intervals.day_number(utc(2025, 3, 1).date())
    assert set(batches) == {("delivered", day), ("delivered", day + 1), ("received", day)}
    assert batches[("delivered", day)].values == {94: 500_000, 95: 500_000}
    assert batches[("delivered", day + 1)].values == {0: 500_000, 1: 500_000}
    assert batches[("received", day)].values == {94: 100_000, 95: 100_000}


def test_group_refuses_naive_times_and_mixed_lengths_in_one_day() -> None:
    naive = IntervalReading(
        utc(2025, 1, 1).replace(tzinfo=None), timedelta(hours=1), Decimal(1), "kWh"
    )
    with pytest.raises(ValueError, match="timezone-aware"):
        intervals.group([naive], MicroUnits("kWh"))
    mixed = [
        IntervalReading(utc(2025, 1, 1), timedelta(minutes=15), Decimal(1), "kWh"),
        IntervalReading(utc(2025, 1, 1, 1), timedelta(hours=1), Decimal(1), "kWh"),
    ]
    with pytest.raises(ValueError, match="one interval length"):
        intervals.group(mixed, MicroUnits("kWh"))


def test_merge_adds_changes_and_leaves_the_rest() -> None:
    stored_values = array("q", [MISSING] * 96)
    stored_values[10] = 7
    stored_values[11] = 8
    stored = StoredDay(900, 0, stored_values)
    merged = intervals.merge_day(stored, DayBatch(900, 0, "kWh", {10: 7, 11: 9, 12: 1}))
    assert (merged.added, merged.changed, merged.unchanged) == (1, 1, 1)
    assert (merged.first_slot, merged.last_slot) == (11, 12)
    assert list(merged.values[10:13]) == [7, 9, 1]
    again = intervals.merge_day(StoredDay(900, 0, merged.values), DayBatch(900, 0, "kWh", {11: 9}))
    assert not again.dirty
    assert again.unchanged == 1


def test_a_batch_with_another_interval_length_replaces_the_day() -> None:
    stored = StoredDay(900, 0, array("q", [1] * 96))
    merged = intervals.merge_day(stored, DayBatch(3600, 0, "kWh", {0: 4}))
    assert len(merged.values) == 24
    assert merged.values[0] == 4
    assert merged.values[1] == MISSING
    assert (merged.first_slot, merged.last_slot) == (0, 23)
