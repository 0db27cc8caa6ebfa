"""Atom link hrefs, compared the way Green Button files need.

Hrefs are opaque and written three ways in the wild: absolute (``https://host/espi/...``),
site-relative (``/v1/User/...``) and relative (``User/...``). We compare their paths, without
leading or trailing slashes, and let a longer path match a shorter one it ends with.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit


def normalize(href: str | None) -> str | None:
    # A feed repeats its collection hrefs (every block's "up"): short ones are remembered,
    # and only short ones, so that no upload can park megabytes in the cache.
    if href is not None and len(href) <= 300:
        return _remembered(href)
    return _normalize(href)


@lru_cache(maxsize=4096)
def _remembered(href: str) -> str | None:
    return _normalize(href)


def _normalize(href: str | None) -> str | None:
    if href is None:
        return None
    href = href.strip()
    if not href:
        return None
    try:
        parts = urlsplit(href)
    except ValueError:  # e.g. "http://[x/", a bad IPv6 host: compared as written
        parts = None
    if parts is not None and (parts.scheme or parts.netloc):
        path = parts.path
    else:
        path = href.split("?")[0].split("#")[0]
    return path.strip("/") or None


def same(a: str | None, b: str | None) -> bool:
    """One href names the other: equal, or one is a path suffix (2+ segments) of the other."""
    if a is None or b is None:
        return False
    if a == b:
        return True
    shorter, longer = (a, b) if len(a) < len(b) else (b, a)
    return "/" in shorter and longer.endswith("/" + shorter)


def under(child: str | None, parent: str | None) -> bool:
    """``child`` is a path below ``parent`` (``.../UsagePoint/1/MeterReading/2`` under
    ``.../UsagePoint/1``)."""
    if child is None or parent is None:
        return False
    return child.startswith(parent + "/") or ("/" + parent + "/") in child
