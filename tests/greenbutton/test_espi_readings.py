"""How an IntervalReading's parts are read: small inline ESPI documents written for the test.

These pin the reading rules the fast path must keep (namespaces, empty elements, millisecond
and fractional instants, quality, flow direction, costs, multipliers, duplicates, errors), so
that a rewrite of the hot loop cannot quietly change what a file means.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from gridlink.connectors.models import Direction, IntervalReading, ReadingQuality
from gridlink.greenbutton import GreenButtonError, ParsedFile, parse

ATOM = "http://www.w3.org/2005/Atom"
ESPI = "http://naesb.org/espi"
T0 = 1_300_000_000
START = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=T0)


def reading(start: object = T0, value: object = 5, duration: object = 3600, extra: str = "") -> str:
    period = f"<duration>{duration}</duration><start>{start}</start>"
    return (
        f"<IntervalReading><timePeriod>{period}</timePeriod><value>{value}</value>{extra}"
        "</IntervalReading>"
    )


def feed(*readings: str, reading_type: str = "", prefix: str = "") -> bytes:
    """One usage point, meter reading and block (default ESPI namespace unless ``prefix``)."""
    p = f"{prefix}:" if prefix else ""
    ns = f'xmlns:{prefix}="{ESPI}"' if prefix else f'xmlns="{ESPI}"'
    body = "".join(readings)
    if prefix:  # the reading's own tags get the prefix too
        for name in ("IntervalReading", "timePeriod", "duration", "start", "value", "cost"):
            body = body.replace(f"<{name}>", f"<{p}{name}>").replace(f"</{name}>", f"</{p}{name}>")
    rt = (
        f'<entry><link rel="self" href="/UP/1/MR/1/ReadingType/1"/><content>'
        f"<{p}ReadingType {ns}>{reading_type}</{p}ReadingType></content></entry>"
        if reading_type
        else ""
    )
    return (
        f'<feed xmlns="{ATOM}">'
        f'<entry><link rel="self" href="/UP/1"/><content><{p}UsagePoint {ns}>'
        f"<{p}ServiceCategory><{p}kind>0</{p}kind></{p}ServiceCategory></{p}UsagePoint>"
        f"</content></entry>"
        f'<entry><link rel="self" href="/UP/1/MR/1"/><content><{p}MeterReading {ns}/></content>'
        f"</entry>{rt}"
        f'<entry><link rel="self" href="/UP/1/MR/1/IntervalBlock/1"/><link rel="up" '
        f'href="/UP/1/MR/1/IntervalBlock"/><content><{p}IntervalBlock {ns}>'
        f"<{p}interval><{p}duration>86400</{p}duration><{p}start>{T0}</{p}start></{p}interval>"
        f"{body}</{p}IntervalBlock></content></entry></feed>"
    ).encode()


def readings_of(parsed: ParsedFile) -> list[IntervalReading]:
    return [r for meter in parsed.meters for r in meter.readings]


def only(parsed: ParsedFile) -> IntervalReading:
    found = readings_of(parsed)
    assert len(found) == 1, found
    return found[0]


def test_a_plain_reading() -> None:
    got = only(parse(feed(reading())))
    assert got == IntervalReading(
        start=START, duration=timedelta(hours=1), value=Decimal(5), unit="Wh", cost=None
    )


@pytest.mark.parametrize("prefix", ["", "espi", "ns3"])
def test_any_prefix_or_none_reads_the_same(prefix: str) -> None:
    assert only(parse(feed(reading(value=7), prefix=prefix))).value == 7


def test_no_namespace_at_all() -> None:
    data = feed(reading(value=7)).replace(f' xmlns="{ESPI}"'.encode(), b"")
    assert only(parse(data)).value == 7


def test_reading_parts_in_another_namespace_still_count() -> None:
    odd = reading(value=9).replace("<IntervalReading>", '<IntervalReading xmlns="urn:other">')
    assert only(parse(feed(odd))).value == 9


def test_parts_in_any_order_and_unknown_parts_ignored() -> None:
    shuffled = (
        f"<IntervalReading><tou>2</tou><value>11</value><consumptionTier>1</consumptionTier>"
        f"<timePeriod><start>{T0}</start><duration>900</duration></timePeriod>"
        f"</IntervalReading>"
    )
    got = only(parse(feed(shuffled)))
    assert (got.value, got.duration, got.start) == (11, timedelta(minutes=15), START)


def test_comments_cdata_references_and_whitespace() -> None:
    odd = (
        f"<IntervalReading><!-- a note --><timePeriod><duration> 3600\n</duration>"
        f"<start><![CDATA[{T0}]]></start></timePeriod><value>&#52;2</value>"
        f"<cost>\n 100 </cost></IntervalReading>"
    )
    got = only(parse(feed(odd)))
    assert (got.start, got.value, got.cost) == (START, 42, Decimal("0.00100"))


def test_empty_value_or_period_skips_the_reading() -> None:
    empty_value = reading(value="").replace("<value></value>", "<value/>")
    no_period = "<IntervalReading><value>3</value></IntervalReading>"
    empty_start = reading(start="")
    parsed = parse(feed(empty_value, no_period, empty_start, reading(start=T0 + 3600)))
    assert [r.start for r in readings_of(parsed)] == [START + timedelta(hours=1)]


def test_empty_cost_is_no_cost() -> None:
    assert only(parse(feed(reading(extra="<cost/>")))).cost is None


def test_cost_is_in_hundred_thousandths() -> None:
    assert only(parse(feed(reading(extra="<cost>1234567</cost>")))).cost == Decimal("12.34567")


def test_value_keeps_its_digits_and_sign() -> None:
    values = [r.value for r in readings_of(parse(feed(reading(value="-1.50"))))]
    assert [str(v) for v in values] == ["-1.50"]


def test_more_digits_than_decimal_keeps_are_rounded_as_before() -> None:
    digits = "1234567890123456789012345678901"  # 31 digits: the default context keeps 28
    assert only(parse(feed(reading(value=digits)))).value == Decimal(
        "1.234567890123456789012345679E+30"
    )


def test_power_of_ten_scales_values_but_not_costs() -> None:
    rt = "<powerOfTenMultiplier>-3</powerOfTenMultiplier><uom>169</uom>"
    got = only(parse(feed(reading(value=1234, extra="<cost>500000</cost>"), reading_type=rt)))
    assert (got.value, got.unit, got.cost) == (Decimal("1.234"), "therm", Decimal(5))


def test_milliseconds_and_fractional_seconds() -> None:
    parsed = parse(feed(reading(start=T0 * 1000), reading(start=f"{T0 + 3600}.5")))
    starts = [r.start for r in readings_of(parsed)]
    assert starts == [START, START + timedelta(hours=1, milliseconds=500)]


def test_missing_duration_comes_from_the_reading_type() -> None:
    no_duration = (
        f"<IntervalReading><timePeriod><start>{T0}</start></timePeriod><value>1</value>"
        "</IntervalReading>"
    )
    rt = "<intervalLength>900</intervalLength><uom>72</uom>"
    assert only(parse(feed(no_duration, reading_type=rt))).duration == timedelta(minutes=15)
    parsed = parse(feed(no_duration))
    assert readings_of(parsed) == []
    assert any("has no duration; skipped" in w for w in parsed.warnings)


def test_reading_quality_worst_wins_and_unknown_is_tolerated() -> None:
    def quality(*codes: int) -> str:
        return "".join(f"<ReadingQuality><quality>{c}</quality></ReadingQuality>" for c in codes)

    parsed = parse(
        feed(
            reading(start=T0, extra=quality(0, 8)),
            reading(start=T0 + 3600, extra=quality(17)),
            reading(start=T0 + 7200, extra=quality(99)),
            reading(start=T0 + 10800, extra=quality(7)),
            reading(start=T0 + 14400),
        )
    )
    assert [r.quality for r in readings_of(parsed)] == [
        ReadingQuality.ESTIMATED,
        ReadingQuality.ACTUAL,
        None,
        ReadingQuality.EDITED,
        None,
    ]


def test_default_quality_from_the_reading_type() -> None:
    rt = "<defaultQuality>8</defaultQuality><uom>72</uom>"
    parsed = parse(
        feed(
            reading(),
            reading(start=T0 + 3600, extra="<ReadingQuality><quality>0</quality></ReadingQuality>"),
            reading_type=rt,
        )
    )
    assert [r.quality for r in readings_of(parsed)] == [
        ReadingQuality.ESTIMATED,
        ReadingQuality.ACTUAL,
    ]


@pytest.mark.parametrize(
    ("flow", "direction", "warned"),
    [
        (1, Direction.DELIVERED, False),
        (19, Direction.RECEIVED, False),
        (4, Direction.NET, False),
        (55, Direction.DELIVERED, True),
    ],
)
def test_flow_direction(flow: int, direction: Direction, warned: bool) -> None:
    rt = f"<flowDirection>{flow}</flowDirection><uom>72</uom>"
    parsed = parse(feed(reading(), reading_type=rt))
    assert only(parsed).direction is direction
    assert any(f"flowDirection {flow}" in w for w in parsed.warnings) is warned


def test_unknown_unit_is_kept_with_a_warning() -> None:
    parsed = parse(feed(reading(), reading_type="<uom>999</uom>"))
    assert only(parsed).unit == "uom 999"
    assert any("uom 999 is not one we know" in w for w in parsed.warnings)


def test_out_of_order_readings_come_back_sorted_and_repeats_keep_the_last() -> None:
    parsed = parse(
        feed(
            reading(start=T0 + 7200, value=3),
            reading(start=T0, value=1),
            reading(start=T0 + 3600, value=2),
            reading(start=T0, value=10),
        )
    )
    assert [(r.start - START, r.value) for r in readings_of(parsed)] == [
        (timedelta(0), 10),
        (timedelta(hours=1), 2),
        (timedelta(hours=2), 3),
    ]
    assert "1 readings repeat an interval already read; the last one is kept" in parsed.warnings


def test_a_repeated_part_keeps_the_last() -> None:
    twice = reading(value=1, extra="<value>2</value><cost>1</cost><cost>3</cost>")
    got = only(parse(feed(twice)))
    assert (got.value, got.cost) == (2, Decimal("0.00003"))


def test_a_lone_interval_block_is_read() -> None:
    data = f'<IntervalBlock xmlns="{ESPI}">{reading(value=4)}</IntervalBlock>'.encode()
    assert only(parse(data)).value == 4


@pytest.mark.parametrize(
    ("part", "message"),
    [
        (reading(value="abc"), r"<value> \(line 1\): 'abc' is not a number"),
        (reading(value="NaN"), r"<value> \(line 1\): 'NaN' is not a finite number"),
        (reading(value="1e40"), r"<value> \(line 1\): '1e40' is too large"),
        (reading(extra="<cost>x</cost>"), r"<cost> \(line 1\): 'x' is not a number"),
        (reading(value="\u00b2"), r"<value> \(line 1\): '\u00b2' is not a number"),
        (reading(extra="<cost>\u00b2</cost>"), r"<cost> \(line 1\): '\u00b2' is not a number"),
        (reading(start="soon"), r"<start> \(line 1\): 'soon' is not a number"),
        (reading(start="\u00b2"), r"<start> \(line 1\): '\u00b2' is not a number"),
        (reading(start=-5), r"<start> \(line 1\): -5 is not a plausible time"),
        (reading(start=8_000_000_000), r"<start> \(line 1\): 8000000000 is not a plausible"),
        (reading(duration=0), r"<duration> \(line 1\): 0 is not a plausible duration"),
        (reading(duration="1.5e9"), r"<duration> \(line 1\): 1.5E\+9 is not a plausible"),
        (
            reading(extra="<ReadingQuality><quality>1.5</quality></ReadingQuality>"),
            r"<quality> \(line 1\): 1.5 should be a whole number",
        ),
    ],
)
def test_bad_parts_name_the_element_and_line(part: str, message: str) -> None:
    with pytest.raises(GreenButtonError, match=message):
        parse(feed(part))


def test_the_error_line_is_the_element_line() -> None:
    lines = feed(reading(), reading(start=T0 + 3600, value="oops")).replace(
        b"<IntervalReading>", b"\n<IntervalReading>"
    )
    with pytest.raises(GreenButtonError, match=r"<value> \(line 3\)"):
        parse(lines)


def test_delivered_and_received_of_one_meter_interleave_by_start() -> None:
    def meter(n: int, flow: int, starts: list[int]) -> str:
        body = "".join(reading(start=T0 + 3600 * h, value=flow) for h in starts)
        return (
            f'<entry><link rel="self" href="/UP/1/MR/{n}"/><link rel="related" '
            f'href="/UP/1/MR/{n}/ReadingType/{n}"/><content><MeterReading xmlns="{ESPI}"/>'
            f'</content></entry><entry><link rel="self" href="/UP/1/MR/{n}/ReadingType/{n}"/>'
            f'<content><ReadingType xmlns="{ESPI}"><flowDirection>{flow}</flowDirection>'
            f"<uom>72</uom></ReadingType></content></entry>"
            f'<entry><link rel="self" href="/UP/1/MR/{n}/IntervalBlock/1"/><content>'
            f'<IntervalBlock xmlns="{ESPI}">{body}</IntervalBlock></content></entry>'
        )

    data = (
        f'<feed xmlns="{ATOM}"><entry><link rel="self" href="/UP/1"/><content>'
        f'<UsagePoint xmlns="{ESPI}"/></content></entry>'
        f"{meter(1, 19, [1, 0])}{meter(2, 1, [0, 1])}</feed>"
    ).encode()
    parsed = parse(data)
    assert len(parsed.meters) == 1
    assert [(r.start - START, r.direction) for r in readings_of(parsed)] == [
        (timedelta(0), Direction.DELIVERED),
        (timedelta(0), Direction.RECEIVED),
        (timedelta(hours=1), Direction.DELIVERED),
        (timedelta(hours=1), Direction.RECEIVED),
    ]
