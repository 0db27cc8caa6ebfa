"""The CSV layouts: small inline fixtures written for the test (not customer data)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from gridlink.connectors.models import Direction
from gridlink.greenbutton import GreenButtonError, parse

OPOWER = """\ufeffName,JANE DOE
Address,"1 MAIN ST, ANYTOWN CA 94000"
Account Number,1234567890
Service,Service 1

TYPE,DATE,START TIME,END TIME,USAGE,UNITS,COST,NOTES
Electric usage,2024-03-10,01:45,01:59,0.16,kWh,$0.02,
Electric usage,2024-03-10,03:00,03:14,0.20,kWh,$0.03,
Electric usage,2024-03-10,23:45,23:59,0.10,kWh,$0.01,
"""


def test_opower_export_with_inclusive_end_times() -> None:
    parsed = parse(OPOWER.encode(), time_zone="America/Los_Angeles")
    readings = parsed.meters[0].readings
    assert [r.value for r in readings] == [Decimal("0.16"), Decimal("0.20"), Decimal("0.10")]
    assert {r.duration for r in readings} == {timedelta(minutes=15)}
    # 01:45 PST is 09:45 UTC; after the spring-forward gap 03:00 PDT is 10:00 UTC.
    assert readings[0].start == datetime(2024, 3, 10, 9, 45, tzinfo=UTC)
    assert readings[1].start == datetime(2024, 3, 10, 10, 0, tzinfo=UTC)
    assert sum(r.cost or 0 for r in readings) == Decimal("0.06")
    assert readings[0].unit == "kWh"


def test_opower_daily_gas_and_net_metering_columns() -> None:
    gas = "TYPE,DATE,USAGE (therms),COST\nNatural gas usage,2024-01-02,1.2,$1.50\n"
    parsed = parse(gas.encode(), time_zone="America/Chicago")
    reading = parsed.meters[0].readings[0]
    assert (reading.unit, reading.duration) == ("therm", timedelta(days=1))
    assert parsed.meters[0].meter.commodity == "gas"
    nem = (
        "TYPE,DATE,START TIME,END TIME,IMPORT (kWh),EXPORT (kWh),COST\n"
        "E,2024-06-01,12:00,12:14,0.1,0.5,$0\n"
    )
    directions = {r.direction: r.value for r in parse(nem.encode()).meters[0].readings}
    assert directions == {Direction.DELIVERED: Decimal("0.1"), Direction.RECEIVED: Decimal("0.5")}


def test_sdge_layout_with_the_repeated_dst_hour() -> None:
    text = "\n".join(
        [
            "Name,JANE DOE",
            "Interval UOM,Minute(s)",
            "UOM,kWh",
            "",
            "Meter Number,Date,Start Time,Duration,Consumption,Generation,Net",
            '"00000000","11/3/2024","1:00 AM","60","0.2200","","0.2200"',
            '"00000000","11/3/2024","1:00 AM","60","0.3000","","0.3000"',
        ]
    )
    readings = parse(text.encode(), time_zone="America/Los_Angeles").meters[0].readings
    assert [r.start for r in readings] == [
        datetime(2024, 11, 3, 8, 0, tzinfo=UTC),  # 1:00 PDT
        datetime(2024, 11, 3, 9, 0, tzinfo=UTC),  # 1:00 PST, the second one
    ]


def test_sce_layout() -> None:
    text = (
        "Energy Usage Information\n"
        '"For location: 1 MAIN ST"\n\nDetailed Usage\n'
        '"Data for period starting: 2020-05-01 00:00:00  for 24 hours"\n'
        "Energy consumption time period,Usage(Real energy in kilowatt-hours),Reading quality\n"
        '"2020-05-01 00:00:00 to 2020-05-01 00:15:00","0.25",""\n'
        '"2020-05-01 00:15:00 to 2020-05-01 00:30:00","0.50",""\n'
    )
    parsed = parse(text.encode(), time_zone="America/Los_Angeles")
    assert [r.value for r in parsed.meters[0].readings] == [Decimal("0.25"), Decimal("0.50")]
    assert parsed.start == datetime(2020, 5, 1, 7, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("TYPE,DATE,START TIME,END TIME,USAGE,UNITS\nE,2024-13-40,00:00,00:14,1,kWh\n", "line 2"),
        ("TYPE,DATE,START TIME,END TIME,USAGE,UNITS\nE,2024-01-01,00:00,00:14,abc,kWh\n", "line 2"),
        ("hello,world\n", "no header we know"),
    ],
)
def test_csv_errors_name_the_line(text: str, message: str) -> None:
    with pytest.raises(GreenButtonError, match=message):
        parse(text.encode())


def test_a_row_one_short_of_its_header_has_no_cost() -> None:
    # Found by test_fuzz: the tolerated missing last cell was the COST column (IndexError).
    text = (
        b"TYPE,DATE,START TIME,END TIME,USAGE,UNITS,COST\n"
        b"Electric usage,2024-01-01,00:00,00:14,1.5,kWh\n"
    )
    readings = parse(text, time_zone="UTC").meters[0].readings
    assert [(r.value, r.cost) for r in readings] == [(Decimal("1.5"), None)]
