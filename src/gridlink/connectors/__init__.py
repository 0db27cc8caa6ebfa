"""Connectors: the code that talks to a utility (or a data source) for Gridlink.

A pure library: connectors never touch the database; the connection engine drives them and
persists what they return. Start at :mod:`gridlink.connectors.base` (the contract),
:mod:`gridlink.connectors.errors` (what they raise), :mod:`gridlink.connectors.registry`
(how they are found) and :mod:`gridlink.connectors.testing` (the conformance kit).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gridlink.connectors.metadata import (
    ConnectorInfo,
    Environment,
    MfaMethod,
    RequestBudget,
    SignInKind,
    UtilityInfo,
)
from gridlink.connectors.models import (
    Account,
    AccountStatus,
    Commodity,
    Direction,
    IntervalReading,
    LineItem,
    LineItemKind,
    Meter,
    ReadingComponent,
    ReadingQuality,
    Resolution,
    ServiceAddress,
    ServiceClass,
    Statement,
    TouUsage,
)

if TYPE_CHECKING:
    from gridlink.connectors.base import (
        Connector,
        ConnectorContext,
        ConnectorSession,
        Credentials,
        MfaChallenge,
        MfaOption,
        SessionToken,
    )

# The contract's classes (connectors/base.py) bring httpx: loaded on first use, so what only
# needs the declarations (config.py's request budgets, the registry's catalog) stays light.
_BASE = frozenset(
    {
        "Connector",
        "ConnectorContext",
        "ConnectorSession",
        "Credentials",
        "MfaChallenge",
        "MfaOption",
        "SessionToken",
    }
)


def __getattr__(name: str) -> Any:
    if name in _BASE:
        from gridlink.connectors import base

        return getattr(base, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Account",
    "AccountStatus",
    "Commodity",
    "Connector",
    "ConnectorContext",
    "ConnectorInfo",
    "ConnectorSession",
    "Credentials",
    "Direction",
    "Environment",
    "IntervalReading",
    "LineItem",
    "LineItemKind",
    "Meter",
    "MfaChallenge",
    "MfaMethod",
    "MfaOption",
    "ReadingComponent",
    "ReadingQuality",
    "RequestBudget",
    "Resolution",
    "ServiceAddress",
    "ServiceClass",
    "SessionToken",
    "SignInKind",
    "Statement",
    "TouUsage",
    "UtilityInfo",
]
