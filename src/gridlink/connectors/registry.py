"""Which connectors exist: the built-in ones, listed here, plus third-party packages.

A package ships a connector by declaring an entry point in the ``gridlink.connectors``
group whose name is the connector id::

    [project.entry-points."gridlink.connectors"]
    acme = "acme_gridlink:AcmeConnector"

Registration fails loudly (``RegistryError``) on an entry point that does not load or is
not a valid connector, on a connector id registered twice, on a utility id served by two
connectors and on an EIA utility id two connectors' utilities claim to be (``eia_ids``): a
server must not start with an ambiguous catalog.

The library-backed built-ins (opower, Smart Meter Texas) are registered by their declaration
(``Declared``: the ``ConnectorInfo`` and where the class lives), so the catalog, the widget
and the request budgets know their ids and utilities without importing the libraries and
aiohttp; the class loads the first time one of their utilities is signed in to or synced
(ADR 0022).
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Iterable
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points

from gridlink.connectors.base import Connector, ConnectorContext
from gridlink.connectors.metadata import ConnectorInfo, Environment, UtilityInfo
from gridlink.connectors.opower.utilities import OPOWER_INFO
from gridlink.connectors.sandbox import SandboxConnector
from gridlink.connectors.smart_meter_texas.utilities import SMT_INFO

ENTRY_POINT_GROUP = "gridlink.connectors"


class RegistryError(Exception):
    """A connector could not be registered; the message names it and says why."""


class UnknownConnector(RegistryError, LookupError):
    pass


@dataclass(frozen=True, slots=True)
class Declared:
    """A connector known by its declaration until it is used: ``info`` is what its class
    declares, ``target`` where the class is (``"package.module:ClassName"``)."""

    info: ConnectorInfo
    target: str

    def load(self) -> type[Connector]:
        module, _, name = self.target.partition(":")
        loaded = getattr(importlib.import_module(module), name)
        if not (isinstance(loaded, type) and issubclass(loaded, Connector)):
            raise RegistryError(f"{self.target} is not a subclass of Connector")
        if loaded.info != self.info:  # the declaration must be the class's, or the catalog lies
            raise RegistryError(f"{self.target} declares another `info` than its registration")
        return loaded


ConnectorSource = type[Connector] | Declared

BUILTIN_CONNECTORS: tuple[ConnectorSource, ...] = (
    SandboxConnector,
    Declared(OPOWER_INFO, "gridlink.connectors.opower.connector:OpowerConnector"),
    Declared(SMT_INFO, "gridlink.connectors.smart_meter_texas.connector:SmartMeterTexasConnector"),
)


@dataclass(frozen=True, slots=True)
class ServedUtility:
    connector_id: str
    utility: UtilityInfo


class ConnectorRegistry:
    def __init__(self, connectors: Iterable[ConnectorSource] = ()) -> None:
        self._connectors: dict[str, ConnectorSource] = {}
        self._sources: dict[str, str] = {}
        self._utilities: dict[str, str] = {}  # utility id → connector id
        self._eia_claims: dict[int, str] = {}  # EIA id → the utility id that is it
        for connector in connectors:
            self.register(connector)

    def register(self, connector: object, *, source: str = "built-in") -> None:
        if isinstance(connector, Declared):
            self._add(connector, connector.info, source)
            return
        if not (isinstance(connector, type) and issubclass(connector, Connector)):
            raise RegistryError(
                f"{source}: {connector!r} is not a subclass of gridlink.connectors.Connector"
            )
        if inspect.isabstract(connector):
            missing = ", ".join(sorted(getattr(connector, "__abstractmethods__", ())))
            raise RegistryError(f"{source}: {connector.__name__} does not implement {missing}")
        info = getattr(connector, "info", None)
        if info is None:
            raise RegistryError(
                f"{source}: {connector.__name__} declares no `info` (ConnectorInfo)"
            )
        self._add(connector, info, source)

    def _add(self, connector: ConnectorSource, info: ConnectorInfo, source: str) -> None:
        problems = info.problems()
        if problems:
            raise RegistryError(
                f"{source}: connector {info.id!r} is invalid: " + "; ".join(problems)
            )
        if info.id in self._connectors:
            already = self._sources[info.id]
            raise RegistryError(
                f"{source}: connector id {info.id!r} is already registered by {already}"
            )
        for utility in info.utilities:
            owner = self._utilities.get(utility.id)
            if owner is not None:
                raise RegistryError(
                    f"{source}: utility {utility.id!r} of connector {info.id!r} is already "
                    f"served by connector {owner!r} ({self._sources[owner]})"
                )
            for eia_id in utility.all_eia_ids:
                claimant = self._eia_claims.get(eia_id)
                if claimant is not None:
                    raise RegistryError(
                        f"{source}: utility {utility.id!r} of connector {info.id!r} claims EIA "
                        f"id {eia_id}, which utility {claimant!r} of connector "
                        f"{self._utilities[claimant]!r} already is"
                    )
        self._connectors[info.id] = connector
        self._sources[info.id] = source
        self._utilities.update({utility.id: info.id for utility in info.utilities})
        self._eia_claims.update({i: u.id for u in info.utilities for i in u.all_eia_ids})

    def discover(self, group: str = ENTRY_POINT_GROUP) -> None:
        """Register every connector that installed packages declare in ``group``."""
        for entry_point in sorted(entry_points(group=group), key=lambda e: e.name):
            self.register_entry_point(entry_point)

    def register_entry_point(self, entry_point: EntryPoint) -> None:
        dist = entry_point.dist.name if entry_point.dist is not None else "an unknown distribution"
        source = f"entry point {entry_point.name!r} ({entry_point.value}) of {dist}"
        try:
            connector = entry_point.load()
        except Exception as error:  # any import-time failure is the package's bug
            raise RegistryError(
                f"{source} failed to load: {type(error).__name__}: {error}"
            ) from error
        declared = getattr(getattr(connector, "info", None), "id", None)
        if declared is not None and declared != entry_point.name:
            raise RegistryError(
                f"{source}: the entry point name must be the connector id {declared!r}"
            )
        self.register(connector, source=source)

    def get(self, connector_id: str) -> type[Connector]:
        """The connector's class, imported now if it was registered by its declaration."""
        connector = self._connectors.get(connector_id)
        if connector is None:
            raise UnknownConnector(f"no connector {connector_id!r} is registered")
        if isinstance(connector, Declared):
            connector = self._connectors[connector_id] = connector.load()
        return connector

    def info(self, connector_id: str) -> ConnectorInfo:
        """The connector's declaration, without importing it."""
        connector = self._connectors.get(connector_id)
        if connector is None:
            raise UnknownConnector(f"no connector {connector_id!r} is registered")
        return connector.info

    def for_utility(self, utility_id: str) -> type[Connector]:
        connector_id = self._utilities.get(utility_id)
        if connector_id is None:
            raise UnknownConnector(f"no registered connector serves utility {utility_id!r}")
        return self.get(connector_id)

    def info_for_utility(self, utility_id: str) -> ConnectorInfo:
        """The declaration of the connector serving ``utility_id``, without importing it."""
        connector_id = self._utilities.get(utility_id)
        if connector_id is None:
            raise UnknownConnector(f"no registered connector serves utility {utility_id!r}")
        return self.info(connector_id)

    def create(self, utility_id: str, context: ConnectorContext | None = None) -> Connector:
        return self.for_utility(utility_id)(utility_id, context)

    def connectors(self) -> list[type[Connector]]:
        """Every connector's class: imports the declared ones."""
        return [self.get(connector_id) for connector_id in list(self._connectors)]

    def source(self, connector_id: str) -> str:
        self.get(connector_id)
        return self._sources[connector_id]

    def utilities(self, environment: Environment | None = None) -> list[ServedUtility]:
        """Every utility served, in registration order, optionally of one environment."""
        return [
            ServedUtility(info.id, utility)
            for info in (connector.info for connector in self._connectors.values())
            for utility in info.utilities
            if environment is None or utility.environment == environment
        ]


def default_registry(
    *, builtins: Iterable[ConnectorSource] = BUILTIN_CONNECTORS, discover: bool = True
) -> ConnectorRegistry:
    """The built-in connectors plus installed plugins.

    Pass ``builtins`` to swap one, e.g. ``SandboxConnector.with_settings(...)``.
    """
    registry = ConnectorRegistry(builtins)
    if discover:
        registry.discover()
    return registry


__all__ = [
    "BUILTIN_CONNECTORS",
    "ENTRY_POINT_GROUP",
    "ConnectorRegistry",
    "ConnectorSource",
    "Declared",
    "RegistryError",
    "ServedUtility",
    "UnknownConnector",
    "default_registry",
]
