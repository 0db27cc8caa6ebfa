"""Where the custodian's usage data comes from: a :class:`Feeds` source per custodian.

A source lists its customers (the consent page offers them) and gives one customer's ESPI
entries; the resource server wraps them in a feed for the subscription. Entries that carry
data over time (IntervalBlock, UsageSummary) have a ``published`` instant, which
``published-min``/``published-max`` select on (``min <= published < max``, so adjacent
windows neither overlap nor leave a gap); the rest (UsagePoint, MeterReading, ReadingType,
LocalTimeParameters) come with every answer, as the reader needs them to link the data.

:class:`FileFeeds` serves stored ESPI files as they are (their own hrefs and ids);
:class:`~gridlink.greenbutton.custodian.sandbox.SandboxFeeds` generates data up to "now".
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

from lxml import etree

from gridlink.greenbutton.custodian.uris import Uris

WINDOWED = frozenset({"IntervalBlock", "UsageSummary", "ElectricPowerUsageSummary"})


@dataclass(frozen=True, slots=True)
class Customer:
    """A retail customer of the utility. ``services`` says which usage points the sandbox
    generates (``"electric"``, ``"gas"``); file feeds ignore it."""

    id: str
    name: str
    account: str = ""
    services: tuple[str, ...] = ("electric",)


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """An Atom ``entry``; ``published`` is set only on entries a window selects on."""

    entry: etree._Element
    published: datetime | None = None


class Feeds(Protocol):
    def customers(self) -> tuple[Customer, ...]: ...

    def entries(
        self, customer_id: str, *, uris: Uris, subscription_id: str, now: datetime
    ) -> list[FeedEntry]:
        """The customer's entries, hrefs under ``uris.subscription(subscription_id)`` when the
        source builds them."""
        ...


def in_window(
    entries: Iterable[FeedEntry], published_min: datetime | None, published_max: datetime | None
) -> list[FeedEntry]:
    kept = []
    for item in entries:
        when = item.published
        if when is not None:
            if published_min is not None and when < published_min:
                continue
            if published_max is not None and when >= published_max:
                continue
        kept.append(item)
    return kept


# Stored files ----------------------------------------------------------------------------

_ATOM = "{http://www.w3.org/2005/Atom}"
_PARSER = etree.XMLParser(
    resolve_entities=False, load_dtd=False, no_network=True, remove_comments=True
)


def _local(tag: object) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _child(element: etree._Element, name: str) -> etree._Element | None:
    return next((c for c in element if _local(c.tag) == name), None)


def _number(element: etree._Element | None, name: str) -> int | None:
    found = _child(element, name) if element is not None else None
    text = (found.text or "").strip() if found is not None else ""
    try:
        return int(text) if text else None
    except ValueError:
        return None


def _epoch(seconds: int) -> datetime:
    if seconds >= 100_000_000_000:  # PG&E writes some instants in milliseconds
        seconds //= 1000
    return datetime.fromtimestamp(seconds, UTC)


def _published(entry: etree._Element, kind: str, resource: etree._Element) -> datetime | None:
    """The entry's ``published``; without one, when its data ends (an IntervalBlock's last
    interval, a summary's billing period)."""
    stamp = _child(entry, "published")
    text = (stamp.text or "").strip() if stamp is not None else ""
    if text:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    period_name = "interval" if kind == "IntervalBlock" else "billingPeriod"
    ends = []
    for period in resource.iter("{*}" + period_name):
        start, duration = _number(period, "start"), _number(period, "duration")
        if start is not None and duration is not None:
            ends.append(_epoch(start) + timedelta(seconds=duration))
    return max(ends) if ends else None


def read_file_entries(path: Path) -> list[FeedEntry]:
    root = etree.parse(str(path), _PARSER).getroot()
    entries = [root] if _local(root.tag) == "entry" else list(root.iter(_ATOM + "entry"))
    found = []
    for entry in entries:
        content = _child(entry, "content")
        resource = next(iter(content), None) if content is not None else None
        kind = _local(resource.tag) if resource is not None else ""
        published = None
        if resource is not None and kind in WINDOWED:
            published = _published(entry, kind, resource)
        found.append(FeedEntry(entry, published))
    return found


class FileFeeds:
    """Customers whose data is a stored ESPI file each (``{customer_id: path}``), served as
    the file has it: its entries, hrefs and ids, re-wrapped in the subscription's feed."""

    def __init__(
        self, files: Mapping[str, Path], customers: Iterable[Customer] | None = None
    ) -> None:
        self._files = dict(files)
        named = {c.id: c for c in customers or ()}
        self._customers = tuple(named.get(key, Customer(key, key)) for key in self._files)
        self._cache: dict[str, list[FeedEntry]] = {}
        self._lock = threading.Lock()

    def customers(self) -> tuple[Customer, ...]:
        return self._customers

    def entries(
        self, customer_id: str, *, uris: Uris, subscription_id: str, now: datetime
    ) -> list[FeedEntry]:
        with self._lock:
            cached = self._cache.get(customer_id)
            if cached is None:
                cached = read_file_entries(self._files[customer_id])
                self._cache[customer_id] = cached
        # Copies: the writer moves entries into its feed, the cache must keep its own.
        return [FeedEntry(copy.deepcopy(item.entry), item.published) for item in cached]
