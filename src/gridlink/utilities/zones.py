"""The time zone a utility's meters most likely keep, from the states it serves.

Green Button files give instants in UTC, but bill dates, days of usage and CSV wall times are the
utility's local calendar. A connector names its meters' zone; for a file we only know the
utility, so we take the zone most of its state's people live in (a utility serving only the
Texas panhandle is in Central time like most of Texas: the file's own LocalTimeParameters are no
better, see greenbutton/timezones.py). A utility spanning states takes its first state's zone.
"""

from __future__ import annotations

from collections.abc import Iterable

_EASTERN = "America/New_York"
_CENTRAL = "America/Chicago"
_MOUNTAIN = "America/Denver"
_PACIFIC = "America/Los_Angeles"

_BY_STATE = {
    **dict.fromkeys(
        [
            "CT",
            "DC",
            "DE",
            "FL",
            "GA",
            "IN",
            "MA",
            "MD",
            "ME",
            "MI",
            "NC",
            "NH",
            "NJ",
            "NY",
            "OH",
            "PA",
            "RI",
            "SC",
            "VA",
            "VT",
            "WV",
            "KY",
        ],
        _EASTERN,
    ),
    **dict.fromkeys(
        [
            "AL",
            "AR",
            "IA",
            "IL",
            "KS",
            "LA",
            "MN",
            "MO",
            "MS",
            "ND",
            "NE",
            "OK",
            "SD",
            "TN",
            "TX",
            "WI",
        ],
        _CENTRAL,
    ),
    **dict.fromkeys(["CO", "MT", "NM", "UT", "WY", "ID"], _MOUNTAIN),
    **dict.fromkeys(["CA", "NV", "OR", "WA"], _PACIFIC),
    "AZ": "America/Phoenix",
    "AK": "America/Anchorage",
    "HI": "Pacific/Honolulu",
    "PR": "America/Puerto_Rico",
    "VI": "America/St_Thomas",
    "GU": "Pacific/Guam",
    "AS": "Pacific/Pago_Pago",
    "MP": "Pacific/Saipan",
}


def zone_for_states(states: Iterable[str]) -> str | None:
    """The IANA zone of the first state we know, or None (the caller then falls back to the
    file's own hints)."""
    for state in states:
        zone = _BY_STATE.get(state.upper())
        if zone is not None:
            return zone
    return None
