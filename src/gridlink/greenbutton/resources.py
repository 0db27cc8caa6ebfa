"""The ESPI resources of one Atom entry, read into plain values before the entry is freed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from lxml import etree

from gridlink.greenbutton import values as v
from gridlink.greenbutton.hollow import Runs
from gridlink.greenbutton.intervals import RawReadings, read_block
from gridlink.greenbutton.links import normalize
from gridlink.greenbutton.plain_blocks import read_plain
from gridlink.greenbutton.xmlsafe import LOCAL_NAMES, local_name


@dataclass(slots=True)
class ReadingTypeData:
    uom: int | None = None
    power_of_ten: int = 0
    flow_direction: int | None = None
    commodity: int | None = None
    currency: int | None = None
    interval_length: timedelta | None = None
    default_quality: int | None = None
    kind: int | None = None


@dataclass(slots=True)
class UsagePointData:
    service_kind: int | None = None
    tariff: str | None = None
    title: str | None = None


@dataclass(slots=True)
class LocalTimeData:
    tz_offset: int | None = None
    dst_offset: int | None = None
    dst_start_rule: str | None = None


@dataclass(slots=True)
class Resource:
    """One ESPI resource with the links of the entry that carried it."""

    kind: str
    order: int  # position in the file: the last resort for linking
    line: int | None
    entry_id: str | None = None
    self_href: str | None = None
    up: str | None = None
    related: tuple[str, ...] = ()
    title: str | None = None
    usage_point: UsagePointData | None = None
    reading_type: ReadingTypeData | None = None
    readings: RawReadings = field(default_factory=RawReadings)
    local_time: LocalTimeData | None = None
    summary: etree._Element | None = None  # kept whole: summaries.py reads it


# Resources we read; the rest (customer data, power quality, application information) are
# counted and skipped.
USAGE_KINDS = frozenset(
    {
        "UsagePoint",
        "MeterReading",
        "ReadingType",
        "IntervalBlock",
        "LocalTimeParameters",
        "UsageSummary",
        "ElectricPowerUsageSummary",
    }
)


def entry_resources(
    entry: etree._Element, order: int, runs: Runs | None = None
) -> tuple[list[Resource], list[str]]:
    """The usage resources in ``entry`` and the names of those we skipped; ``runs``, the
    readings cut out of a hollowed file (:mod:`hollow`)."""
    names = LOCAL_NAMES  # thousands of entries, the same few tags
    self_href = up = entry_id = title = None
    related: list[str] = []
    tag = entry.tag
    if (names.get(tag) or local_name(tag)) != "entry":  # a bare resource as the root
        contents_of: list[etree._Element] = [entry]
    else:
        contents_of = []
        for child in entry:
            tag = child.tag
            name = names.get(tag) or local_name(tag)
            if name == "link":
                # The first usable href of each kind (every related one) is kept.
                rel = (child.get("rel") or "").strip().lower()
                if rel == "self":
                    if self_href is None:
                        self_href = normalize(child.get("href"))
                elif rel == "up":
                    if up is None:
                        up = normalize(child.get("href"))
                elif rel == "related" and (href := normalize(child.get("href"))):
                    related.append(href)
            elif name == "content":
                contents_of += child
            elif name == "id":
                entry_id = v.text(child)
            elif name == "title":
                title = v.text(child)
    found: list[Resource] = []
    skipped: list[str] = []
    for element in contents_of:
        tag = element.tag
        kind = names.get(tag) or local_name(tag)
        if not kind:
            continue
        if kind not in USAGE_KINDS:
            skipped.append(kind)
            continue
        line = element.sourceline
        resource = Resource(
            kind,
            order + len(found),
            line if isinstance(line, int) else None,
            entry_id,
            self_href,
            up,
            tuple(dict.fromkeys(related)) if related else (),
            title,
            # A block's readings are given here rather than replacing an empty default.
            readings=_block_readings(element, runs) if kind == "IntervalBlock" else RawReadings(),
        )
        if kind != "IntervalBlock":
            _read(resource, element)
        found.append(resource)
    return found, skipped


def _block_readings(element: etree._Element, runs: Runs | None) -> RawReadings:
    # Most blocks were cut out of the bytes, or are plainly written and read in a few C
    # calls; the rest element by element.
    if runs is not None and (cut := runs.take(element)) is not None:
        return cut
    plain = read_plain(element)
    return read_block(element) if plain is None else plain


def _read(resource: Resource, element: etree._Element) -> None:
    kind = resource.kind
    if kind == "ReadingType":
        resource.reading_type = reading_type(element)
    elif kind == "UsagePoint":
        resource.usage_point = usage_point(element, resource.title)
    elif kind == "LocalTimeParameters":
        parts = v.children(element)
        resource.local_time = LocalTimeData(
            tz_offset=v.integer(parts.get("tzOffset")),
            dst_offset=v.integer(parts.get("dstOffset")),
            dst_start_rule=v.text(parts.get("dstStartRule")),
        )
    elif kind in ("UsageSummary", "ElectricPowerUsageSummary"):
        resource.summary = element


def reading_type(element: etree._Element) -> ReadingTypeData:
    parts = v.children(element)
    return ReadingTypeData(
        uom=v.integer(parts.get("uom")),
        power_of_ten=v.power_of_ten(parts.get("powerOfTenMultiplier")),
        flow_direction=v.integer(parts.get("flowDirection")),
        commodity=v.integer(parts.get("commodity")),
        currency=v.integer(parts.get("currency")),
        interval_length=v.seconds(parts.get("intervalLength")),
        default_quality=v.integer(parts.get("defaultQuality")),
        kind=v.integer(parts.get("kind")),
    )


def usage_point(element: etree._Element, title: str | None) -> UsagePointData:
    parts = v.children(element)
    category = parts.get("ServiceCategory")
    kind = v.integer(v.children(category).get("kind")) if category is not None else None
    tariff = None
    delivery = parts.get("ServiceDeliveryPoint")
    if delivery is not None:
        tariff = v.text(v.children(delivery).get("tariffProfile"))
    return UsagePointData(service_kind=kind, tariff=tariff, title=title)
