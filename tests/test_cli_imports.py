"""What a start imports: `gridlink --version` and anything that imports `gridlink.cli` must not
pay for the app, the settings or the database layer, and a server whose clients only use the
sandbox must not import the library-backed connectors (issue 15; ADR 0022). Each check runs in
a fresh interpreter, since this one has imported everything already."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

GRIDLINK = str(Path(sys.executable).parent / "gridlink")
HEAVY = (
    "gridlink.app",
    "gridlink.config",
    "pydantic",
    "fastapi",
    "sqlalchemy",
    "httpx",
    "aiohttp",
    "opower",
    "smart_meter_texas",
)
LIBRARIES = ("opower", "aiohttp", "smart_meter_texas")


def _imported_after(code: str) -> set[str]:
    """Top-level and gridlink modules in sys.modules once ``code`` has run."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


def test_importing_the_command_imports_nothing_heavy() -> None:
    loaded = _imported_after("import gridlink.cli")
    assert "gridlink.cli" in loaded
    assert loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))


def test_version_imports_nothing_heavy() -> None:
    code = (
        "import contextlib, io, gridlink.cli\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "    gridlink.cli.main(['--version'])"
    )
    loaded = _imported_after(code)
    assert loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))


def test_version_answers() -> None:
    result = subprocess.run(
        [GRIDLINK, "--version"], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip().startswith("gridlink ")


def test_a_sandbox_only_server_does_not_import_the_connector_libraries() -> None:
    """The app, the registry it builds, the catalog it seeds and a sandbox connector in use."""
    code = (
        "import gridlink.app\n"
        "from gridlink.config import Settings\n"
        "from gridlink.worker.registry import build_connectors\n"
        "registry = build_connectors(Settings())\n"
        "assert any(s.connector_id == 'opower' for s in registry.utilities())\n"
        "assert registry.info_for_utility('eia_14328').id == 'opower'\n"
        "registry.create('sandbox_electric')"
    )
    loaded = _imported_after(code)
    assert loaded.isdisjoint(LIBRARIES), sorted(loaded & set(LIBRARIES))


def test_a_declared_connector_loads_when_its_utility_is_used() -> None:
    """The other side of the check above: the import is deferred, not lost."""
    code = (
        "from gridlink.connectors.registry import default_registry\n"
        "registry = default_registry(discover=False)\n"
        "assert registry.for_utility('eia_14328').__name__ == 'OpowerConnector'"
    )
    assert {"opower", "aiohttp"} <= _imported_after(code)


def test_a_worker_does_not_import_the_http_api() -> None:
    """`gridlink worker` and each of its sync processes run loops, not routes: none of the API's
    routers, its schemas or the dashboard (0.5 to 0.9 s of start-up and 9 MB per process;
    cli_worker.py). What a worker runs is loaded too, so the check is not vacuous."""
    loaded = _imported_after(
        "import gridlink.cli_worker\n"
        "from gridlink.config import Settings\n"
        "from gridlink.worker.registry import build_connectors\n"
        "build_connectors(Settings())"
    )
    assert {
        "gridlink.worker.runner",
        "gridlink.attempts.execution",
        "gridlink.sync.runner",
    } <= loaded
    api = {"gridlink.app", "gridlink.api", "gridlink.dashboard.routes", "gridlink.connect.routes"}
    assert loaded.isdisjoint(api), sorted(loaded & api)
