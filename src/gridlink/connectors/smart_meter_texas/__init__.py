"""The Smart Meter Texas connector: ERCOT smart meters, by ESI ID.

Built on the maintained ``smart_meter_texas`` library (the one Home Assistant uses); see
docs/reference/connectors.md for what it maps and what it cannot.
"""

from gridlink.connectors.smart_meter_texas.connector import (
    SmartMeterTexasConnector,
    SmartMeterTexasLibrary,
    SmartMeterTexasSession,
)
from gridlink.connectors.smart_meter_texas.utilities import SMT_INFO, SMT_UTILITY

__all__ = [
    "SMT_INFO",
    "SMT_UTILITY",
    "SmartMeterTexasConnector",
    "SmartMeterTexasLibrary",
    "SmartMeterTexasSession",
]
