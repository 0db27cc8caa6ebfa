"""Which connectors exist: the built-in ones, listed here, plus third-party packages.

A package ships a connector by declaring an entry point in the ``gridlink.connectors``
group whose name is the connector id::

    [project.entry-points."gridlink.connectors"]
    acme = "acme_gridlink:AcmeConnector"

Registration fails loudly (``RegistryError``) on an entry point that does not load or is
not a valid connector, on a connector id registered twice, on a utility id served by two
connectors and on an EIA utility id two connectors' utilities claim to be (``eia_ids``): a
server must not start with an ambiguous catalog.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points

from gridlink.connectors.base import Connector, ConnectorContext
from gridlink.connectors.metadata import Environment, UtilityInfo
from gridlink.connectors.opower import OpowerConnector
from gridlink.connectors.sandbox import SandboxConnector
from gridlink.connectors.smart_meter_texas import SmartMeterTexasConnector

ENTRY_POINT_GROUP = "gridlink.connectors"
BUILTIN_CONNECTORS: tuple[type[Connector], ...] = (
    SandboxConnector,
    OpowerConnector,
    SmartMeterTexasConnector,
)


class RegistryError(Exception):
    """A connector could not be registered; the message names it and says why."""


class UnknownConnector(RegistryError, LookupError):
    pass


@dataclass(frozen=True, slots=True)
class ServedUtility:
    connector_id: str
    utility: UtilityInfo


class ConnectorRegistry:
    def __init__(self, connectors: Iterable[type[Connector]] = ()) -> None:
        self._connectors: dict[str, type[Connector]] = {}
        self._sources: dict[str, str] = {}
        self._utilities: dict[str, str] = {}  # utility id → connector id
        self._eia_claims: dict[int, str] = {}  # EIA id → the utility id that is it
        for connector in connectors:
            self.register(connector)

    def register(self, connector: object, *, source: str = "built-in") -> None:
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
        try:
            return self._connectors[connector_id]
        except KeyError:
            raise UnknownConnector(f"no connector {connector_id!r} is registered") from None

    def for_utility(self, utility_id: str) -> type[Connector]:
        connector_id = self._utilities.get(utility_id)
        if connector_id is None:
            raise UnknownConnector(f"no registered connector serves utility {utility_id!r}")
        return self._connectors[connector_id]

    def create(self, utility_id: str, context: ConnectorContext | None = None) -> Connector:
        return self.for_utility(utility_id)(utility_id, context)

    def connectors(self) -> list[type[Connector]]:
        return list(self._connectors.values())

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
    *, builtins: Iterable[type[Connector]] = BUILTIN_CONNECTORS, discover: bool = True
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
    "RegistryError",
    "ServedUtility",
    "UnknownConnector",
    "default_registry",
]
