"""ESPI (Green Button XML) → :class:`ParsedFile`.

Streaming: entries are read one at a time (:mod:`xmlsafe`) into plain values
(:mod:`resources`) and freed; only then are the resources linked, because a feed may list a
child before its parent. Linking follows the hrefs, trying in turn (each rule handles files
seen in the wild, see docs/reference/green-button.md):

1. the child's ``up`` is one of the parent's ``related`` collections (the ESPI rule);
2. the child's ``up`` is the parent's ``self`` (older files);
3. the child's ``self`` lies below the parent's ``self``;
4. the parent's ``related`` names the child's ``self`` (Opower);
5. there is only one parent; 6. the nearest parent before it in the file.

A file with no UsagePoint or MeterReading gets one made up from the hrefs (or a plain "1").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from gridlink.connectors.models import (
    Commodity,
    Direction,
    Meter,
    ReadingQuality,
    ServiceClass,
    Statement,
)
from gridlink.greenbutton import codes
from gridlink.greenbutton.errors import GreenButtonError
from gridlink.greenbutton.hollow import Runs, hollow
from gridlink.greenbutton.limits import Limits
from gridlink.greenbutton.links import same, under
from gridlink.greenbutton.model import ParsedFile, ParsedMeter
from gridlink.greenbutton.readings import Pile, in_order, with_durations
from gridlink.greenbutton.resources import ReadingTypeData, Resource, entry_resources
from gridlink.greenbutton.summaries import statement
from gridlink.greenbutton.timezones import zone_from_parameters
from gridlink.greenbutton.xmlsafe import iter_entries

_SUMMARIES = ("UsageSummary", "ElectricPowerUsageSummary")
_UNIQUE = frozenset({"UsagePoint", "MeterReading", "ReadingType", "LocalTimeParameters"})


def parse_espi(
    data: bytes, *, time_zone: str | None, limits: Limits, hollowing: bool = True
) -> ParsedFile:
    """``hollowing=False`` reads every reading from the tree (what the tests compare with)."""
    by_kind, warnings = read_hollowed(data, limits) if hollowing else (None, [])
    if by_kind is None:
        by_kind = _collect(data, limits, warnings, None)
    return _Assembler(by_kind, time_zone, warnings).build()


def read_hollowed(
    data: bytes, limits: Limits
) -> tuple[dict[str, list[Resource]] | None, list[str]]:
    """The resources read with the plain runs cut out of the bytes (:mod:`hollow`), or None
    when that cannot be trusted to give the tree's answer: then nothing of it is kept and the
    original bytes are read, so that every error and every odd file is the tree's own."""
    cut = hollow(data) if len(data) <= limits.max_bytes else None
    if cut is not None:
        hollowed, runs = cut
        warnings: list[str] = []
        try:
            by_kind = _collect(hollowed, limits, warnings, runs)
        except Exception:  # whatever failed (Declined included): the original says why
            return None, []
        if runs.all_taken():
            return by_kind, warnings
    return None, []


def _collect(
    data: bytes, limits: Limits, warnings: list[str], runs: Runs | None
) -> dict[str, list[Resource]]:
    by_kind: dict[str, list[Resource]] = {}
    skipped: Counter[str] = Counter()
    seen: set[tuple[str, str]] = set()
    readings = order = 0
    for entry in iter_entries(data, limits):
        found, skip = entry_resources(entry, order, runs)
        order += len(found) + 1
        if skip:
            skipped.update(skip)
        for resource in found:
            key = (resource.kind, resource.self_href or "")
            if resource.kind in _UNIQUE and resource.self_href and key in seen:
                warnings.append(
                    f"<{resource.kind}> at line {resource.line} repeats {resource.self_href}; "
                    "the first one is used"
                )
                continue
            seen.add(key)
            readings += len(resource.readings.starts)  # no __len__ call per block
            if readings > limits.max_readings:
                raise GreenButtonError(
                    f"more than {limits.max_readings:,} interval readings; split the file",
                    where="<IntervalBlock>",
                    line=resource.line,
                )
            same_kind = by_kind.get(resource.kind)
            if same_kind is None:
                same_kind = by_kind[resource.kind] = []
            same_kind.append(resource)
    if skipped:
        names = ", ".join(f"{name} ({count})" for name, count in sorted(skipped.items()))
        warnings.append(f"resources not read: {names}")
    return by_kind


def _parent(
    child: Resource, parents: list[Resource], by_up: dict[tuple[str, int], Resource | None]
) -> Resource | None:
    if not parents:
        return None
    if child.up:
        # Rules 1 and 2 depend only on the href and the parents; a pool only ever grows, so
        # its length tells whether an earlier answer for the same href still holds.
        key = (child.up, len(parents))
        if key in by_up:
            found = by_up[key]
        else:
            found = by_up[key] = _parent_by_up(child.up, parents)
        if found is not None:
            return found
    if child.self_href:
        for parent in parents:
            if under(child.self_href, parent.self_href):
                return parent
        for parent in parents:
            if any(same(child.self_href, related) for related in parent.related):
                return parent
    if len(parents) == 1:
        return parents[0]
    before = [parent for parent in parents if parent.order < child.order]
    return before[-1] if before else parents[0]


def _parent_by_up(up: str, parents: list[Resource]) -> Resource | None:
    for parent in parents:
        if any(same(up, related) for related in parent.related):
            return parent
    for parent in parents:
        if same(up, parent.self_href):
            return parent
    return None


def _owner_href(href: str | None, collections: Iterable[str]) -> str | None:
    """The href of the resource owning a collection: ``.../MeterReading/7/IntervalBlock`` →
    ``.../MeterReading/7``."""
    if not href:
        return None
    for name in collections:
        cut = href.rfind("/" + name)
        if cut > 0:
            return href[:cut]
    return None


class _Assembler:
    def __init__(
        self, by_kind: dict[str, list[Resource]], time_zone: str | None, warnings: list[str]
    ) -> None:
        self.points = list(by_kind.get("UsagePoint", []))
        self.meter_readings = list(by_kind.get("MeterReading", []))
        self.reading_types = by_kind.get("ReadingType", [])
        self.blocks = by_kind.get("IntervalBlock", [])
        self.local_times = by_kind.get("LocalTimeParameters", [])
        self.summaries = [r for kind in _SUMMARIES for r in by_kind.get(kind, [])]
        self.time_zone = time_zone
        self.warnings = warnings
        # usage point → (direction, unit) → its readings, built when the meter is
        self.readings: dict[int, dict[tuple[Direction, str], Pile]] = {}
        self.statements: dict[int, dict[tuple[object, object], Statement]] = {}
        self.duplicates = 0
        # Memos for the per-block lookups (thousands of blocks share a few parents).
        self.meter_reading_by_up: dict[tuple[str, int], Resource | None] = {}
        self.point_by_up: dict[tuple[str, int], Resource | None] = {}
        self.types_of: dict[int, ReadingTypeData | None] = {}
        self.meanings: dict[int, tuple[str, Direction, ReadingQuality | None, tuple[str, ...]]] = {}

    # Made-up parents for files that leave them out ------------------------------------------

    def _made_up(self, kind: str, href: str | None, order: int, pool: list[Resource]) -> Resource:
        for resource in pool:
            if resource.self_href == href and resource.entry_id is None:
                return resource
        resource = Resource(kind=kind, order=order, line=None, self_href=href)
        pool.append(resource)
        return resource

    def meter_reading_of(self, block: Resource) -> Resource:
        found = _parent(block, self.meter_readings, self.meter_reading_by_up)
        if found is None:
            href = _owner_href(block.up or block.self_href, ["IntervalBlock"])
            found = self._made_up("MeterReading", href, block.order, self.meter_readings)
        return found

    def point_of(self, child: Resource, collections: list[str]) -> Resource:
        found = _parent(child, self.points, self.point_by_up)
        if found is None:
            href = _owner_href(child.self_href or child.up, collections)
            found = self._made_up("UsagePoint", href, child.order, self.points)
        return found

    def reading_type_of(self, meter_reading: Resource) -> ReadingTypeData | None:
        # The reading types never change while building: one answer per meter reading.
        key = id(meter_reading)
        if key not in self.types_of:
            self.types_of[key] = self._reading_type_of(meter_reading)
        return self.types_of[key]

    def _reading_type_of(self, meter_reading: Resource) -> ReadingTypeData | None:
        types = self.reading_types
        for candidate in types:
            if any(same(related, candidate.self_href) for related in meter_reading.related):
                return candidate.reading_type
        for candidate in types:
            if meter_reading.self_href and same(candidate.up, meter_reading.self_href):
                return candidate.reading_type
        if len(types) == 1:
            return types[0].reading_type
        after = [t for t in types if t.order > meter_reading.order]
        nearest = after[0] if after else (types[-1] if types else None)
        return nearest.reading_type if nearest else None

    # Building -----------------------------------------------------------------------------

    def build(self) -> ParsedFile:
        types_used: dict[int, list[ReadingTypeData]] = {}
        for block in self.blocks:
            meter_reading = self.meter_reading_of(block)
            point = self.point_of(meter_reading, ["MeterReading"])
            reading_type = self.reading_type_of(meter_reading)
            if reading_type is None:
                self.warnings.append(
                    f"<IntervalBlock> at line {block.line} has no ReadingType; "
                    "values read as Wh with no multiplier"
                )
                reading_type = ReadingTypeData(uom=72)
            used = types_used.get(id(point))
            if used is None:
                used = types_used[id(point)] = []
            used.append(reading_type)
            self._add_readings(point, block, reading_type)
        for summary in self.summaries:
            self.point_of(summary, list(_SUMMARIES))
        meters = [self._meter(point, types_used.get(id(point), [])) for point in self.points]
        if self.duplicates:
            self.warnings.append(
                f"{self.duplicates} readings repeat an interval already read; the last one is kept"
            )
        return ParsedFile(tuple(meters), tuple(dict.fromkeys(self.warnings)))

    def _add_readings(self, point: Resource, block: Resource, rt: ReadingTypeData) -> None:
        meaning = self.meanings.get(id(rt))
        if meaning is None:  # worked out once per ReadingType, warned about for every block
            meaning = self.meanings[id(rt)] = _meaning(rt)
        unit, direction, default_quality, said = meaning
        self.warnings += said
        piles = self.readings.get(id(point))
        if piles is None:
            piles = self.readings[id(point)] = {}
        raw = block.readings
        if None in raw.durations:
            if rt.interval_length is None:
                self.warnings.append(
                    f"<IntervalBlock> at line {block.line}: a reading has no duration; skipped"
                )
            raw = with_durations(raw, rt.interval_length)
        if raw.starts:
            pile = piles.get((direction, unit))
            if pile is None:
                pile = piles[direction, unit] = Pile()
            pile.add(raw, rt.power_of_ten, default_quality)

    def _zone_name(self, point: Resource) -> str:
        if self.time_zone:
            return self.time_zone
        chosen = None
        for candidate in self.local_times:
            if any(same(r, candidate.self_href) for r in point.related) or same(
                candidate.up, point.self_href
            ):
                chosen = candidate
        if chosen is None and len(self.local_times) == 1:
            chosen = self.local_times[0]
        params = chosen.local_time if chosen else None
        if params is None or params.tz_offset is None:
            self.warnings.append("no time zone given and no LocalTimeParameters; using UTC")
            return "UTC"
        name = zone_from_parameters(params.tz_offset, params.dst_offset, params.dst_start_rule)
        self.warnings.append(f"time zone {name} guessed from LocalTimeParameters")
        return name

    def _meter(self, point: Resource, types: list[ReadingTypeData]) -> ParsedMeter:
        data = point.usage_point
        zone_name = self._zone_name(point)
        commodity = _commodity(data.service_kind if data else None, types)
        if commodity is None:
            commodity = Commodity.ELECTRIC
            self.warnings.append("the file does not say the commodity; electric assumed")
        currency = next(
            (codes.CURRENCY[t.currency] for t in types if t.currency in codes.CURRENCY), None
        )
        statements = self._statements(point, ZoneInfo(zone_name), currency)
        number = point.entry_id or point.self_href or "1"
        meter = Meter(
            number=number.removeprefix("urn:uuid:"),
            commodity=commodity,
            service_class=ServiceClass.OTHER,
            tariff=data.tariff if data else None,
            time_zone=zone_name,
            native_id=point.self_href,
        )
        readings, repeats = in_order(self.readings.get(id(point), {}))
        self.duplicates += repeats
        return ParsedMeter(meter, readings, statements)

    def _statements(
        self, point: Resource, zone: ZoneInfo, currency: str | None
    ) -> tuple[Statement, ...]:
        kept: dict[tuple[object, object], Statement] = {}
        for summary in self.summaries:
            if summary.summary is None or self.point_of(summary, list(_SUMMARIES)) is not point:
                continue
            bill = statement(
                summary.summary,
                zone=zone,
                currency=currency,
                native_id=summary.self_href,
                warnings=self.warnings,
            )
            if bill is None:
                continue
            key = (bill.period_start, bill.period_end)
            if key in kept:
                self.warnings.append(
                    f"two bills for {bill.period_start}..{bill.period_end}; the later one is kept"
                )
            kept[key] = bill
        return tuple(sorted(kept.values(), key=lambda s: s.period_start))


def _meaning(
    rt: ReadingTypeData,
) -> tuple[str, Direction, ReadingQuality | None, tuple[str, ...]]:
    """A ReadingType's unit, direction and default quality, with the warnings they need."""
    said: list[str] = []
    unit = codes.UOM.get(rt.uom) if rt.uom is not None else None
    if unit is None:
        unit = f"uom {rt.uom}" if rt.uom is not None else "Wh"
        said.append(f"ReadingType uom {rt.uom} is not one we know; kept as {unit!r}")
    direction = codes.FLOW.get(rt.flow_direction or 0, Direction.DELIVERED)
    if rt.flow_direction is not None and rt.flow_direction not in codes.FLOW:
        said.append(f"flowDirection {rt.flow_direction} read as delivered")
    return unit, direction, codes.QUALITY.get(rt.default_quality or -1), tuple(said)


def _commodity(service_kind: int | None, types: list[ReadingTypeData]) -> Commodity | None:
    if service_kind in codes.SERVICE_KIND:
        return codes.SERVICE_KIND[service_kind]
    for reading_type in types:
        if reading_type.commodity in codes.COMMODITY:
            return codes.COMMODITY[reading_type.commodity]
    for reading_type in types:
        unit = codes.UOM.get(reading_type.uom or -1)
        if unit in codes.UNIT_COMMODITY:
            return codes.UNIT_COMMODITY[unit]
    return None
