"""LocalTimeParameters → an IANA zone: only a fallback when the caller does not know the
utility's zone (the parameters are often wrong, and never name a zone).
"""

from __future__ import annotations

# (standard offset in seconds, observes DST) → the North American zone that matches.
_NORTH_AMERICA = {
    (-12600, True): "America/St_Johns",
    (-14400, True): "America/Halifax",
    (-14400, False): "America/Puerto_Rico",
    (-18000, True): "America/New_York",
    (-21600, True): "America/Chicago",
    (-21600, False): "America/Regina",
    (-25200, True): "America/Denver",
    (-25200, False): "America/Phoenix",
    (-28800, True): "America/Los_Angeles",
    (-32400, True): "America/Anchorage",
    (-36000, False): "Pacific/Honolulu",
}
_NO_RULE = {"", "FFFFFFFF", "0"}


def zone_from_parameters(tz_offset: int, dst_offset: int | None, dst_rule: str | None) -> str:
    """The zone a utility with these parameters most likely uses.

    Outside the table: a fixed offset (``Etc/GMT+8`` is UTC-8, POSIX's inverted sign) when
    it is whole hours, else UTC.
    """
    observes_dst = bool(dst_offset) and (dst_rule or "").strip().upper() not in _NO_RULE
    known = _NORTH_AMERICA.get((tz_offset, observes_dst))
    if known:
        return known
    if tz_offset % 3600 == 0 and -14 <= tz_offset // 3600 <= 12:
        hours = -tz_offset // 3600
        return "UTC" if hours == 0 else f"Etc/GMT{hours:+d}"
    return "UTC"
