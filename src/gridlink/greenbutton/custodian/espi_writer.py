"""ESPI XML as a Data Custodian writes it: Atom entries wrapping ``espi:`` resources.

Only building, no policy: which entries go in a feed is the caller's business. Instants are
ESPI TimeType (Unix seconds, UTC); money is in 1/100,000 of the currency.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from lxml import etree

ATOM = "http://www.w3.org/2005/Atom"
ESPI = "http://naesb.org/espi"
# lxml takes None as the default namespace's prefix; its stubs say str only.
NSMAP: Any = {None: ATOM, "espi": ESPI}
_IDS = uuid.UUID("6f1c3c1e-5f57-4d4b-9a55-4b0d1f1f6a10")  # our namespace for entry ids


def entry_id(name: str) -> str:
    """A stable ``urn:uuid`` for a resource name: the same data gets the same id each time."""
    return f"urn:uuid:{uuid.uuid5(_IDS, name)}"


def atom_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def espi(tag: str) -> str:
    return f"{{{ESPI}}}{tag}"


def sub(parent: etree._Element, tag: str, text: object | None = None) -> etree._Element:
    element = etree.SubElement(parent, espi(tag))
    if text is not None:
        element.text = str(text)
    return element


def resource(tag: str) -> etree._Element:
    return etree.Element(espi(tag), nsmap={"espi": ESPI})


@dataclass(frozen=True, slots=True)
class Links:
    self_href: str
    up: str | None = None
    related: Sequence[str] = ()


def entry(
    *,
    name: str,
    title: str,
    links: Links,
    published: datetime,
    updated: datetime,
    content: etree._Element,
) -> etree._Element:
    element = etree.Element(f"{{{ATOM}}}entry", nsmap=NSMAP)
    etree.SubElement(element, f"{{{ATOM}}}id").text = entry_id(name)
    etree.SubElement(element, f"{{{ATOM}}}link", rel="self", href=links.self_href)
    if links.up:
        etree.SubElement(element, f"{{{ATOM}}}link", rel="up", href=links.up)
    for href in links.related:
        etree.SubElement(element, f"{{{ATOM}}}link", rel="related", href=href)
    etree.SubElement(element, f"{{{ATOM}}}title").text = title
    etree.SubElement(element, f"{{{ATOM}}}content").append(content)
    etree.SubElement(element, f"{{{ATOM}}}published").text = atom_time(published)
    etree.SubElement(element, f"{{{ATOM}}}updated").text = atom_time(updated)
    return element


def feed(
    *, name: str, title: str, self_href: str, updated: datetime, entries: Iterable[etree._Element]
) -> bytes:
    root = etree.Element(f"{{{ATOM}}}feed", nsmap=NSMAP)
    etree.SubElement(root, f"{{{ATOM}}}id").text = entry_id(name)
    etree.SubElement(root, f"{{{ATOM}}}title").text = title
    etree.SubElement(root, f"{{{ATOM}}}updated").text = atom_time(updated)
    etree.SubElement(root, f"{{{ATOM}}}link", rel="self", href=self_href)
    for item in entries:
        root.append(item)
    etree.cleanup_namespaces(root)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def single(element: etree._Element) -> bytes:
    return bytes(etree.tostring(element, xml_declaration=True, encoding="UTF-8"))


# Resources -----------------------------------------------------------------------------


def usage_point(service_kind: int) -> etree._Element:
    element = resource("UsagePoint")
    sub(sub(element, "ServiceCategory"), "kind", service_kind)
    sub(element, "status", 1)
    return element


def reading_type(
    *,
    commodity: int,
    uom: int,
    power_of_ten: int,
    interval_seconds: int,
    currency: int = 840,
) -> etree._Element:
    element = resource("ReadingType")
    for tag, value in (
        ("accumulationBehaviour", 4),  # deltaData: each reading is the quantity in its interval
        ("commodity", commodity),
        ("currency", currency),
        ("dataQualifier", 12),  # normal
        ("flowDirection", 1),  # forward: delivered to the customer
        ("intervalLength", interval_seconds),
        ("kind", 12),  # energy
        ("phase", 769),
        ("powerOfTenMultiplier", power_of_ten),
        ("timeAttribute", 0),
        ("uom", uom),
    ):
        sub(element, tag, value)
    return element


def interval_block(
    start: datetime, end: datetime, readings: Sequence[tuple[datetime, datetime, int]]
) -> etree._Element:
    element = resource("IntervalBlock")
    interval = sub(element, "interval")
    sub(interval, "duration", epoch(end) - epoch(start))
    sub(interval, "start", epoch(start))
    for begin, finish, value in readings:
        reading = sub(element, "IntervalReading")
        period = sub(reading, "timePeriod")
        sub(period, "duration", epoch(finish) - epoch(begin))
        sub(period, "start", epoch(begin))
        sub(reading, "value", value)
    return element


# ESPI's DST rules are bit-packed; these are the United States' (second Sunday of March,
# first Sunday of November, 2:00), as PG&E and others publish them.
_US_DST_START = "360E2000"
_US_DST_END = "B40E2000"


def local_time_parameters(zone_name: str, year: int) -> etree._Element:
    zone = ZoneInfo(zone_name)
    offsets = [
        datetime(year, month, 15, tzinfo=zone).utcoffset() or timedelta() for month in (1, 7)
    ]
    standard, summer = min(offsets), max(offsets)
    element = resource("LocalTimeParameters")
    observes = summer != standard
    sub(element, "dstEndRule", _US_DST_END if observes else "00000000")
    sub(element, "dstOffset", int((summer - standard).total_seconds()))
    sub(element, "dstStartRule", _US_DST_START if observes else "00000000")
    sub(element, "tzOffset", int(standard.total_seconds()))
    return element


@dataclass(frozen=True, slots=True)
class LineItem:
    amount: int  # 1/100,000 of the currency
    item_kind: int
    note: str


def usage_summary(
    *,
    start: datetime,
    end: datetime,
    items: Sequence[LineItem],
    consumption_wh: int,
    commodity: int = 1,
    currency: int = 840,
) -> etree._Element:
    element = resource("UsageSummary")
    period = sub(element, "billingPeriod")
    sub(period, "duration", epoch(end) - epoch(start))
    sub(period, "start", epoch(start))
    sub(element, "billLastPeriod", sum(item.amount for item in items))
    for item in items:
        detail = sub(element, "costAdditionalDetailLastPeriod")
        sub(detail, "amount", item.amount)
        sub(detail, "dateTime", epoch(end))
        sub(detail, "note", item.note)
        sub(detail, "itemKind", item.item_kind)
    sub(element, "currency", currency)
    consumption = sub(element, "overallConsumptionLastPeriod")
    sub(consumption, "powerOfTenMultiplier", 0)
    sub(consumption, "uom", 72)
    sub(consumption, "value", consumption_wh)
    sub(element, "qualityOfReading", 14)
    sub(element, "statusTimeStamp", epoch(end))
    sub(element, "commodity", commodity)
    return element


def authorization(
    *,
    start: datetime,
    status: int,
    scope: str,
    resource_uri: str,
    authorization_uri: str,
    expires_at: datetime | None,
) -> etree._Element:
    element = resource("Authorization")
    authorized = sub(element, "authorizedPeriod")
    sub(authorized, "start", epoch(start))
    published = sub(element, "publishedPeriod")
    sub(published, "start", epoch(start))
    sub(element, "status", status)
    if expires_at is not None:
        sub(element, "expires_at", epoch(expires_at))
    sub(element, "grant_type", "authorization_code")
    sub(element, "scope", scope)
    sub(element, "token_type", "Bearer")
    sub(element, "resourceURI", resource_uri)
    sub(element, "authorizationURI", authorization_uri)
    return element


def service_status(current: int = 1) -> bytes:
    element = resource("ServiceStatus")
    sub(element, "currentStatus", current)
    return single(element)


def batch_list(resource_uris: Iterable[str]) -> bytes:
    element = resource("BatchList")
    for uri in resource_uris:
        sub(element, "resources", uri)
    return single(element)
