"""@gridlink/connect and @gridlink/react install with npm from a running `gridlink serve`
(/npm/<name>-<version>.tgz), with no registry: the registry is a closed loopback port, and React
comes from the checkout's own node_modules. Installed together, @gridlink/react's dependency on
@gridlink/connect resolves to the served tarball (docs/guides/embedding.md)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.e2e.harness import ROOT, free_port, gridlink_server

pytestmark = pytest.mark.slow

WIDGET = ROOT / "widget"
VERSION = json.loads((WIDGET / "packages" / "connect" / "package.json").read_text())["version"]
TARBALLS = [f"gridlink-react-{VERSION}.tgz", f"gridlink-connect-{VERSION}.tgz"]
REACT = WIDGET / "node_modules" / "react"  # installed by `npm ci` in widget/

IMPORT_CHECK = """
import { create } from "@gridlink/connect";
import { ConnectButton, useConnect } from "@gridlink/react";
import { createRequire } from "node:module";
const found = [typeof create, typeof useConnect, typeof ConnectButton];
let refused = "";
try { create({ connectToken: "glsk_sandbox_secret", onSuccess() {} }); }
catch (error) { refused = error.message; }
const require = createRequire(import.meta.url);
console.log(JSON.stringify({
  found,
  refused,
  versions: ["@gridlink/connect", "@gridlink/react"].map(
    (name) => require(name + "/package.json").version),
}));
"""


def _npm(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    npm = shutil.which("npm")
    assert npm is not None
    return subprocess.run(
        [npm, *args], cwd=cwd, capture_output=True, text=True, timeout=180, check=False
    )


def test_both_packages_install_from_the_server_and_import(tmp_path: Path) -> None:
    if shutil.which("npm") is None or shutil.which("node") is None:
        pytest.skip("npm and node are not installed (Node.js 20.19+ is needed to test this)")
    missing = [name for name in TARBALLS if not (WIDGET / "dist" / "npm" / name).is_file()]
    if missing or not (REACT / "package.json").is_file():
        pytest.fail(f"the widget is not built ({missing or 'react'}): run `make widget-build`")
    project = tmp_path / "app"
    project.mkdir()
    (project / "package.json").write_text('{"name": "app", "private": true, "type": "module"}')
    (project / ".npmrc").write_text("")  # nothing from the user's npm settings
    closed = f"http://127.0.0.1:{free_port()}/"  # nothing listens: any registry call fails

    with gridlink_server(tmp_path / "data") as server:
        installed = _npm(
            [
                "install",
                "--registry",
                closed,
                "--fetch-retries=0",
                "--cache",
                str(tmp_path / "npm-cache"),
                "--userconfig",
                str(project / ".npmrc"),
                "--no-audit",
                "--no-fund",
                *(f"{server.url}/npm/{name}" for name in TARBALLS),
                f"file:{REACT}",
            ],
            project,
        )
    assert installed.returncode == 0, installed.stderr[-2000:]
    dependencies = json.loads((project / "package.json").read_text())["dependencies"]
    assert dependencies["@gridlink/connect"].endswith(f"/npm/gridlink-connect-{VERSION}.tgz")
    # One copy of the loader, shared: the React package uses the one installed beside it.
    assert not (project / "node_modules" / "@gridlink" / "react" / "node_modules").exists()

    ran = subprocess.run(
        ["node", "--input-type=module", "-e", IMPORT_CHECK],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    result = json.loads(ran.stdout)
    assert result["found"] == ["function", "function", "function"]
    assert "connectToken must be the glct_" in result["refused"]  # the real loader's check
    assert result["versions"] == [VERSION, VERSION]
