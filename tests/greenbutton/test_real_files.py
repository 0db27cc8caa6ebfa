"""Every shared Green Button file, read exactly.

The expected figures come from a deliberately naive ElementTree walk over the same bytes (all
IntervalReading elements, their raw value, cost and timePeriod), plus the scale and unit each
file declares in its ReadingType, written here by hand from reading the files. Never from the
parser under test.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from gridlink.connectors.models import Commodity, Direction, ReadingQuality
from gridlink.greenbutton import parse
from tests.greenbutton.shared_files import GREEN_BUTTON, files, need

# (powerOfTenMultiplier, unit) as each file's ReadingType says; None: no readings.
DECLARED = {
    "enbridge_gas_monthly_usagesummary.xml": (-3, "m3"),
    "gba_coastal_multifamily_hourly_1yr_12h_blocks.xml": (0, "Wh"),
    "gba_mountain_single_family_hourly_1yr.xml": (0, "Wh"),
    "openespi_electric_15min_14days_powerquality.xml": (0, "Wh"),
    "openespi_gas_monthly_therms.xml": (-3, "therm"),
    "openespi_multi_usagepoint_3up_15min_reverseflow.xml": (0, "Wh"),
    "openespi_multi_usagepoint_5up_hourly_32days.xml": (0, "Wh"),
    "opower_gas_monthly_therms_3yr.xml": (-3, "therm"),
    "opower_pge_electric_15min_1day.xml": (0, "Wh"),
    "pge_cmd_intervalblocks_hourly_readingquality.xml": (0, "Wh"),  # no ReadingType: Wh
    "pge_cmd_retailcustomer.xml": None,
    "pge_cmd_usagesummaries_costs.xml": None,
    "sandbox_bulk_15min_usagesummary_costs.xml": (0, "Wh"),
    "sandbox_bulk_retailcustomer.xml": None,
}
# The PG&E block feed repeats the same hours in 24 overlapping blocks (same values): a
# reading is one interval, so the truth is the distinct starts.
DEDUPLICATED = {"pge_cmd_intervalblocks_hourly_readingquality.xml"}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def naive_truth(path: Path) -> dict[str, object]:
    readings = []
    root = ET.parse(path).getroot()  # noqa: S314 (the project's own sample files)
    for element in root.iter():
        if _local(element.tag) != "IntervalReading":
            continue
        parts = {_local(child.tag): child for child in element}
        period = {_local(child.tag): child.text for child in parts["timePeriod"]}
        cost = parts.get("cost")
        readings.append(
            (
                int(period["start"]),
                int(period["duration"]),
                Decimal(parts["value"].text or "0"),
                Decimal(cost.text) if cost is not None and cost.text else None,
            )
        )
    if path.name in DEDUPLICATED:
        readings = list({start: (start, *rest) for start, *rest in readings}.values())
    return {
        "count": len(readings),
        "sum": sum((r[2] for r in readings), Decimal(0)),
        "cost": sum((r[3] for r in readings if r[3] is not None), Decimal(0)),
        "start": min((r[0] for r in readings), default=None),
        "end": max((r[0] + r[1] for r in readings), default=None),
    }


def test_every_shared_file_is_listed() -> None:
    found = {path.name for path in files()}
    if not found:
        pytest.skip(f"the shared Green Button files are not at {GREEN_BUTTON}")
    assert found == set(DECLARED)


@pytest.mark.parametrize("name", sorted(DECLARED))
def test_readings_match_the_file(name: str) -> None:
    path = GREEN_BUTTON / name
    parsed = parse(need(path))
    truth = naive_truth(path)
    readings = [r for meter in parsed.meters for r in meter.readings]
    assert len(readings) == truth["count"]
    declared = DECLARED[name]
    if declared is None:
        assert readings == []
        return
    power, unit = declared
    assert {r.unit for r in readings} == {unit}
    assert sum((r.value for r in readings), Decimal(0)) == Decimal(truth["sum"]).scaleb(power)
    costs = [r.cost for r in readings if r.cost is not None]
    assert sum(costs, Decimal(0)) == Decimal(truth["cost"]).scaleb(-5)
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    assert parsed.start == epoch + timedelta(seconds=int(truth["start"]))
    assert parsed.end == epoch + timedelta(seconds=int(truth["end"]))


def test_mountain_sum_is_the_readme_figure() -> None:
    parsed = parse(need(GREEN_BUTTON / "gba_mountain_single_family_hourly_1yr.xml"))
    assert sum(r.value for r in parsed.meters[0].readings) == Decimal(8_898_515)


def test_three_usage_points_with_reverse_flow() -> None:
    parsed = parse(need(GREEN_BUTTON / "openespi_multi_usagepoint_3up_15min_reverseflow.xml"))
    assert len(parsed.meters) == 3
    directions = [r.direction for m in parsed.meters for r in m.readings]
    assert directions.count(Direction.DELIVERED) == 192
    assert directions.count(Direction.RECEIVED) == 192


def test_five_usage_points_get_their_own_blocks() -> None:
    path = GREEN_BUTTON / "openespi_multi_usagepoint_5up_hourly_32days.xml"
    parsed = parse(need(path))
    assert [len(m.readings) for m in parsed.meters] == [768] * 5
    # Each usage point's bill: billLastPeriod in 1/100,000 USD, as the file writes them.
    bills = sorted(s.new_charges for s in parsed.statements if s.new_charges is not None)
    assert bills == sorted(
        Decimal(n).scaleb(-5) for n in (275998434, 25236698, 23790687, 30703417, 25738640)
    )


def test_gas_and_quality_and_commodities() -> None:
    enbridge = parse(need(GREEN_BUTTON / "enbridge_gas_monthly_usagesummary.xml"))
    assert enbridge.meters[0].meter.commodity is Commodity.GAS
    pge = parse(need(GREEN_BUTTON / "pge_cmd_intervalblocks_hourly_readingquality.xml"))
    assert {r.quality for r in pge.meters[0].readings} == {ReadingQuality.ACTUAL}  # code 17


def test_bills_from_usage_summaries() -> None:
    sandbox = parse(need(GREEN_BUTTON / "sandbox_bulk_15min_usagesummary_costs.xml"))
    totals = [s.new_charges for s in sandbox.statements if s.new_charges is not None]
    assert totals == [Decimal("174.18")]  # billLastPeriod 17418000
    itemized = [s for s in sandbox.statements if s.line_items]
    assert len(itemized) == 5
    assert sum(i.amount for i in itemized[0].line_items) == Decimal("221.74")  # 22174000
    enbridge = parse(need(GREEN_BUTTON / "enbridge_gas_monthly_usagesummary.xml"))
    first = enbridge.statements[0]
    assert first.currency == "CAD"
    assert first.amount_due == Decimal("64.17")  # 64170 in 10^-3 CAD, as Enbridge declares
    assert first.usage == Decimal("47")  # 47000 x 10^-3 m3
    pge = parse(need(GREEN_BUTTON / "pge_cmd_usagesummaries_costs.xml"))
    assert {s.total_charges for s in pge.statements} == {Decimal("233.64"), None}
