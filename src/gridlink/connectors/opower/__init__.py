"""The opower connector: the utilities whose customer portals run on opower.com.

Built on the maintained ``opower`` library (the one Home Assistant uses); see
docs/reference/connectors.md for what it maps and what it cannot.
"""

from gridlink.connectors.opower.connector import (
    OpowerConnector,
    OpowerLibrary,
    OpowerSession,
)
from gridlink.connectors.opower.utilities import OPOWER_INFO, OPOWER_UTILITIES, OpowerUtility

__all__ = [
    "OPOWER_INFO",
    "OPOWER_UTILITIES",
    "OpowerConnector",
    "OpowerLibrary",
    "OpowerSession",
    "OpowerUtility",
]
