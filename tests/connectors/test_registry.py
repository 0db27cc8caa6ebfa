"""The registry: explicit built-ins plus real entry-point discovery from installed metadata,
and the catalog written from what the registered connectors declare."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from gridlink import Settings, create_app
from gridlink.connectors.metadata import Environment
from gridlink.connectors.registry import (
    ENTRY_POINT_GROUP,
    ConnectorRegistry,
    RegistryError,
    UnknownConnector,
    default_registry,
)
from gridlink.connectors.sandbox import SandboxConnector
from gridlink.kit.clock import ManualClock
from gridlink.utilities.zip_states import state_for_zip
from tests.connectors.conftest import FastSandbox
from tests.factories import make_client

PLUGIN = """
from gridlink.connectors import (
    Commodity, Connector, ConnectorInfo, SignInKind, UtilityInfo,
)
from gridlink.connectors.errors import TemporarilyUnavailable


def info(connector_id, utility_id, state="OR"):
    utility = UtilityInfo(
        utility_id, "Demo Power", (state,), (Commodity.ELECTRIC,), (SignInKind.PASSWORD,)
    )
    return ConnectorInfo(connector_id, "Demo", (utility,))


class DemoConnector(Connector):
    info = info("demo", "demo_power")

    async def login(self, credentials, *, session_token=None):
        raise TemporarilyUnavailable


class ClashingId(DemoConnector):
    info = info("sandbox", "demo_other")


class ClashingUtility(DemoConnector):
    info = info("demo_gas", "sandbox_gas")


class BadMetadata(DemoConnector):
    info = info("demo_bad", "demo_bad_power", state="Oregon")


class Unfinished(Connector):
    info = info("demo_unfinished", "demo_unfinished_power")


def not_a_connector():
    return None
"""


class Plugins:
    """Writes installed-distribution metadata into a directory on sys.path, as pip would."""

    def __init__(self, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.root = root
        self.monkeypatch = monkeypatch
        self.count = 0
        self.modules: list[str] = []
        monkeypatch.syspath_prepend(str(root))

    def install(self, entries: dict[str, str], module_source: str = PLUGIN) -> str:
        """A distribution with one module; ``entries`` maps entry-point name → attribute."""
        self.count += 1
        module = f"gridlink_demo_plugin_{self.root.name.replace('-', '_')}_{self.count}"
        dist = f"gridlink-demo-plugin-{self.count}"
        (self.root / f"{module}.py").write_text(textwrap.dedent(module_source))
        info = self.root / f"{dist.replace('-', '_')}-1.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
        lines = "".join(f"{name} = {module}:{target}\n" for name, target in entries.items())
        (info / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\n{lines}")
        self.modules.append(module)
        return dist


@pytest.fixture
def plugins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Plugins]:
    installed = Plugins(tmp_path, monkeypatch)
    yield installed
    for module in installed.modules:
        sys.modules.pop(module, None)


def test_the_sandbox_is_built_in() -> None:
    registry = default_registry(discover=False)
    assert registry.get("sandbox") is SandboxConnector
    assert registry.for_utility("sandbox_water") is SandboxConnector
    connector = registry.create("sandbox_combined")
    assert connector.utility.id == "sandbox_combined"
    assert registry.source("sandbox") == "built-in"


def test_utilities_served_are_listed_per_environment() -> None:
    registry = default_registry(discover=False)
    served = registry.utilities(Environment.SANDBOX)
    assert [s.utility.id for s in served] == [
        "sandbox_electric",
        "sandbox_gas",
        "sandbox_combined",
        "sandbox_water",
        "sandbox_authenticator",
    ]
    assert {s.connector_id for s in served} == {"sandbox"}
    live = registry.utilities(Environment.LIVE)
    assert {s.connector_id for s in live} == {"opower", "smart_meter_texas"}
    assert not any(s.utility.id.startswith("sandbox") for s in live)
    assert len(registry.utilities()) == 5 + len(live)


async def test_the_sandbox_utilities_match_the_catalog(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    """The catalog a sandbox client reads is what the sandbox connector declares."""
    client = await make_client(app)
    for served in default_registry(discover=False).utilities(Environment.SANDBOX):
        utility = served.utility
        response = await api.get(f"/v1/utilities/{utility.id}", auth=client.auth)
        assert response.status_code == 200, response.text
        assert response.json() == {
            "id": utility.id,
            "name": utility.name,
            "legal_name": None,
            "logo_url": utility.logo_url,
            "states": sorted(utility.states),
            "commodities": [c.value for c in utility.commodities],
            "sign_in_kinds": [k.value for k in utility.sign_in_kinds],
            "mfa_methods": [m.value for m in utility.mfa_methods],
            "connection_methods": ["login", "file"],
            "connector_id": served.connector_id,
            "forgot_password_url": utility.forgot_password_url,
            "status": "active",
            "environment": "sandbox",
            "eia_ids": [],
            "matched_by": None,
        }
        assert utility.zips
        for zip_code in utility.zips:
            assert state_for_zip(zip_code) is None  # unassigned: never a real utility's zip
            listed = await api.get("/v1/utilities", params={"zip": zip_code}, auth=client.auth)
            assert utility.id in [u["id"] for u in listed.json()["data"]]


def test_unknown_ids_are_lookup_errors() -> None:
    registry = default_registry(discover=False)
    with pytest.raises(UnknownConnector, match="'nope'"):
        registry.get("nope")
    with pytest.raises(LookupError, match="utility 'pge'"):
        registry.create("pge")


def test_a_builtin_can_be_swapped_for_a_tuned_one() -> None:
    registry = default_registry(builtins=(FastSandbox,), discover=False)
    assert registry.for_utility("sandbox_gas") is FastSandbox
    assert issubclass(FastSandbox, SandboxConnector)


def test_an_installed_package_is_discovered_through_its_entry_point(plugins: Plugins) -> None:
    dist = plugins.install({"demo": "DemoConnector"})
    registry = default_registry()
    connector = registry.create("demo_power")
    assert type(connector).__name__ == "DemoConnector"
    assert registry.get("demo") is type(connector)
    assert dist in registry.source("demo")
    assert [s.connector_id for s in registry.utilities()][-1] == "demo"


async def test_an_installed_connectors_utilities_are_in_the_catalog_at_start_up(
    plugins: Plugins, settings: Settings, clock: ManualClock
) -> None:
    plugins.install({"demo": "DemoConnector"})
    app = create_app(settings, clock=clock)
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as api:
            live = await make_client(app, environment="live", origins=["https://app.example.com"])
            response = await api.get("/v1/utilities", params={"limit": 100}, auth=live.auth)
            listed = {u["id"]: (u["connector_id"], u["status"]) for u in response.json()["data"]}
            assert listed["demo_power"] == ("demo", "active")
            # the built-in live connectors' utilities are listed beside the plugin's
            assert {connector for connector, _ in listed.values()} == {
                "demo",
                "opower",
                "smart_meter_texas",
            }
            by_state = await api.get("/v1/utilities", params={"zip": "97201"}, auth=live.auth)
            assert [(u["id"], u["matched_by"]) for u in by_state.json()["data"]] == [
                ("demo_power", "state")  # Portland, OR: the plugin's utility by its state
            ]


@pytest.mark.parametrize(
    ("entries", "complaint"),
    [
        ({"demo": "Missing"}, "failed to load: AttributeError"),
        ({"demo": "not_a_connector"}, "is not a subclass of gridlink.connectors.Connector"),
        ({"demo_typo": "DemoConnector"}, "the entry point name must be the connector id 'demo'"),
        ({"sandbox": "ClashingId"}, "connector id 'sandbox' is already registered by built-in"),
        (
            {"demo_gas": "ClashingUtility"},
            "utility 'sandbox_gas' .* already served by connector 'sandbox'",
        ),
        ({"demo_bad": "BadMetadata"}, "'Oregon' is not a 2-letter code"),
        ({"demo_unfinished": "Unfinished"}, "Unfinished does not implement login"),
    ],
)
def test_bad_entries_fail_with_a_message_naming_them(
    plugins: Plugins, entries: dict[str, str], complaint: str
) -> None:
    dist = plugins.install(entries)
    with pytest.raises(RegistryError, match=complaint) as raised:
        default_registry()
    assert dist in str(raised.value)
    assert next(iter(entries)) in str(raised.value)


def test_a_module_that_fails_to_import_is_named(plugins: Plugins) -> None:
    plugins.install(
        {"demo": "DemoConnector"}, module_source="raise RuntimeError('no network here')\n"
    )
    with pytest.raises(RegistryError, match="failed to load: RuntimeError: no network here"):
        default_registry()


def test_two_packages_claiming_one_id_are_refused(plugins: Plugins) -> None:
    first = plugins.install({"demo": "DemoConnector"})
    second = plugins.install({"demo": "DemoConnector"})
    with pytest.raises(RegistryError) as raised:
        default_registry()
    assert first in str(raised.value)
    assert second in str(raised.value)


def test_registering_twice_directly_is_refused() -> None:
    registry = ConnectorRegistry([SandboxConnector])
    with pytest.raises(RegistryError, match="already registered"):
        registry.register(FastSandbox, source="test")


def test_a_declaration_must_be_its_connectors() -> None:
    """A ``Declared`` whose info differs from its class's would list a catalog the connector
    does not serve: loading it refuses."""
    from gridlink.connectors.registry import Declared
    from gridlink.connectors.sandbox import SANDBOX_INFO

    wrong = Declared(SANDBOX_INFO, "gridlink.connectors.opower.connector:OpowerConnector")
    registry = ConnectorRegistry([wrong])
    assert registry.info_for_utility("sandbox_gas") is SANDBOX_INFO  # known without loading
    with pytest.raises(RegistryError, match="declares another `info`"):
        registry.for_utility("sandbox_gas")
