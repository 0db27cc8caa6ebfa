"""Numbers and instants inside ESPI elements, read leniently but never silently wrong."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation

from lxml import etree

from gridlink.greenbutton.errors import GreenButtonError
from gridlink.greenbutton.xmlsafe import local

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS_THRESHOLD = 100_000_000_000  # seconds past 5138 AD: such a number is in milliseconds
LAST_SECOND = 7_258_118_400  # 2200-01-01: later instants are mistakes, not data


def children(element: etree._Element) -> dict[str, etree._Element]:
    """The element's children by local name (the first of each name)."""
    found: dict[str, etree._Element] = {}
    for child in element:
        name = local(child.tag)
        if name and name not in found:
            found[name] = child
    return found


def text(element: etree._Element | None) -> str | None:
    """The element's text, stripped; None when absent or empty (``<kind/>``)."""
    if element is None or element.text is None:
        return None
    value = element.text.strip()
    return value or None


def _fail(element: etree._Element, what: str) -> GreenButtonError:
    line = element.sourceline
    return GreenButtonError(
        what, where=f"<{local(element.tag)}>", line=line if isinstance(line, int) else None
    )


def number(element: etree._Element | None) -> Decimal | None:
    raw = text(element)
    if raw is None or element is None:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise _fail(element, f"{raw[:40]!r} is not a number") from None
    if not value.is_finite():
        raise _fail(element, f"{raw[:40]!r} is not a finite number")
    if value.adjusted() > 30:
        raise _fail(element, f"{raw[:40]!r} is too large for any meter")
    return value


def integer(element: etree._Element | None) -> int | None:
    value = number(element)
    if value is None or element is None:
        return None
    if value != value.to_integral_value():
        raise _fail(element, f"{value} should be a whole number")
    return int(value)


def hex_or_int(element: etree._Element | None) -> int | None:
    """A code written in decimal or in hex (``roleFlags``, DST rules); None if neither."""
    raw = text(element)
    if raw is None:
        return None
    for base in (10, 16):
        try:
            return int(raw, base)
        except ValueError:
            continue
    return None


def instant(element: etree._Element | None) -> datetime | None:
    """An ESPI TimeType: Unix seconds (UTC), sometimes fractional, sometimes milliseconds."""
    value = number(element)
    if value is None or element is None:
        return None
    if abs(value) >= _MS_THRESHOLD:
        value = value / 1000
    if not 0 <= value < LAST_SECOND:
        raise _fail(element, f"{value} is not a plausible time (Unix seconds, UTC)")
    return EPOCH + timedelta(seconds=float(value))


def seconds(element: etree._Element | None) -> timedelta | None:
    value = number(element)
    if value is None or element is None:
        return None
    if not 0 < value <= 10 * 366 * 86400:
        raise _fail(element, f"{value} is not a plausible duration in seconds")
    return timedelta(seconds=float(value))


def power_of_ten(element: etree._Element | None) -> int:
    value = integer(element)
    if value is None or element is None:
        return 0
    if not -24 <= value <= 24:
        raise _fail(element, f"powerOfTenMultiplier {value} is outside -24..24")
    return value
