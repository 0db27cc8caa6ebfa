"""Building readings column by column gives exactly what the constructor gives, and refuses
classes it could not build faithfully."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from gridlink.connectors.models import Direction, IntervalReading, ReadingQuality
from gridlink.greenbutton.records import build

START = datetime(2024, 1, 1, tzinfo=UTC)


def test_the_same_objects_as_the_constructor() -> None:
    starts = [START, START + timedelta(hours=1)]
    built = build(
        IntervalReading,
        2,
        {"start": starts, "value": [Decimal("1.5"), Decimal(-2)], "cost": [None, Decimal(3)]},
        {
            "duration": timedelta(hours=1),
            "unit": "kWh",
            "direction": Direction.RECEIVED,
            "quality": ReadingQuality.ESTIMATED,
            "components": (),
        },
    )
    expected = [
        IntervalReading(
            start=start,
            duration=timedelta(hours=1),
            value=value,
            unit="kWh",
            direction=Direction.RECEIVED,
            cost=cost,
            quality=ReadingQuality.ESTIMATED,
        )
        for start, value, cost in zip(
            starts, [Decimal("1.5"), Decimal(-2)], [None, Decimal(3)], strict=True
        )
    ]
    assert built == expected
    assert [hash(r) for r in built] == [hash(r) for r in expected]
    assert [repr(r) for r in built] == [repr(r) for r in expected]
    with pytest.raises(AttributeError):
        built[0].value = Decimal(0)  # type: ignore[misc]  # still frozen


ALL_BUT_START = {
    "duration": timedelta(hours=1),
    "value": Decimal(1),
    "unit": "kWh",
    "direction": Direction.DELIVERED,
    "cost": None,
    "quality": None,
    "components": (),
}


def test_every_field_must_be_given_once() -> None:
    with pytest.raises(TypeError, match="given once"):
        build(IntervalReading, 1, {}, ALL_BUT_START)
    with pytest.raises(TypeError, match="given once"):
        build(IntervalReading, 1, {"start": [START], "unit": ["Wh"]}, ALL_BUT_START)


def test_a_column_must_fit_the_count() -> None:
    with pytest.raises(ValueError, match="start: 1 values for 2 objects"):
        build(IntervalReading, 2, {"start": [START]}, ALL_BUT_START)


@dataclass(frozen=True, slots=True)
class Checked:
    amount: int

    def __post_init__(self) -> None:
        if self.amount < 0:
            raise ValueError("negative")


@dataclass(frozen=True)
class Unslotted:
    amount: int


@pytest.mark.parametrize("cls", [Checked, Unslotted])
def test_classes_that_do_more_than_store_are_refused(cls: type) -> None:
    with pytest.raises(TypeError):
        build(cls, 1, {"amount": [-1]}, {})
