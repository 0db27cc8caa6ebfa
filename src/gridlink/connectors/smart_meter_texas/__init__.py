"""The Smart Meter Texas connector: ERCOT smart meters, by ESI ID.

Built on the maintained ``smart_meter_texas`` library (the one Home Assistant uses); see
docs/reference/connectors.md for what it maps and what it cannot.

The declaration (``SMT_INFO``, ``SMT_UTILITY``) imports nothing of the library; the connector
itself, which imports the library and aiohttp, loads on first use of its name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gridlink.connectors.smart_meter_texas.utilities import SMT_INFO, SMT_UTILITY

if TYPE_CHECKING:
    from gridlink.connectors.smart_meter_texas.connector import (
        SmartMeterTexasConnector,
        SmartMeterTexasLibrary,
        SmartMeterTexasSession,
    )

_LAZY = frozenset({"SmartMeterTexasConnector", "SmartMeterTexasLibrary", "SmartMeterTexasSession"})


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from gridlink.connectors.smart_meter_texas import connector

        return getattr(connector, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "SMT_INFO",
    "SMT_UTILITY",
    "SmartMeterTexasConnector",
    "SmartMeterTexasLibrary",
    "SmartMeterTexasSession",
]
