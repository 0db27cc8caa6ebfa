"""The opower connector: the utilities whose customer portals run on opower.com.

Built on the maintained ``opower`` library (the one Home Assistant uses); see
docs/reference/connectors.md for what it maps and what it cannot.

The declaration (``OPOWER_INFO``, ``OPOWER_UTILITIES``) imports nothing of the library; the
connector itself, which imports the library and aiohttp, loads on first use of its name
(the registry asks for it when an opower utility is first signed in to or synced).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gridlink.connectors.opower.utilities import OPOWER_INFO, OPOWER_UTILITIES, OpowerUtility

if TYPE_CHECKING:
    from gridlink.connectors.opower.connector import (
        OpowerConnector,
        OpowerLibrary,
        OpowerSession,
    )

_LAZY = frozenset({"OpowerConnector", "OpowerLibrary", "OpowerSession"})


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from gridlink.connectors.opower import connector

        return getattr(connector, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "OPOWER_INFO",
    "OPOWER_UTILITIES",
    "OpowerConnector",
    "OpowerLibrary",
    "OpowerSession",
    "OpowerUtility",
]
