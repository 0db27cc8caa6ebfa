"""The `gridlink` command, run for real as a subprocess."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from gridlink import Settings
from gridlink.cli_serve import FIRST_ADMIN, _banner
from gridlink.clients.service import SandboxClient
from gridlink.kit import tokens
from tests.conftest import TEST_MASTER_KEYS

GRIDLINK = str(Path(sys.executable).parent / "gridlink")


def _env(data_dir: Path, db_url: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRIDLINK_")}
    env.update(
        GRIDLINK_DATA_DIR=str(data_dir),
        GRIDLINK_LOG_LEVEL="warning",
        GRIDLINK_MASTER_KEYS=TEST_MASTER_KEYS,
    )
    if db_url:
        env["GRIDLINK_DATABASE_URL"] = db_url
    return env


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [GRIDLINK, *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["frobnicate"],
        ["clients"],
        ["clients", "create", "App"],  # --origin missing
        ["clients", "create", "App", "--origin", "https://a.example", "--environment", "prod"],
        ["clients", "rotate-secret", "cli_x", "--grace", "soon"],
        ["serve", "--port", "eighty"],
    ],
)
def test_bad_arguments_get_one_line_and_exit_2(args: list[str], tmp_path: Path) -> None:
    result = run(args, _env(tmp_path))
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "error:" in lines[0]


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["serve", "--help"],
        ["worker", "--help"],
        ["migrate", "--help"],
        ["clients", "create", "--help"],
        ["clients", "rotate-secret", "--help"],
    ],
)
def test_every_command_has_help(args: list[str], tmp_path: Path) -> None:
    result = run(args, _env(tmp_path))
    assert result.returncode == 0
    assert "usage: gridlink" in result.stdout


def test_clients_create_list_rotate(db_url: str, tmp_path: Path) -> None:
    env = _env(tmp_path, db_url)
    created = run(
        [
            "clients",
            "create",
            "Acme",
            "--origin",
            "https://app.acme.example",
            "--redirect-uri",
            "https://app.acme.example/cb",
            "--environment",
            "live",
            "--json",
        ],
        env,
    )
    assert created.returncode == 0, created.stderr
    pair = json.loads(created.stdout)
    assert set(pair) == {"client_id", "client_secret"}
    assert tokens.parse(pair["client_secret"], tokens.TokenKind.CLIENT_SECRET) == "live"

    listed = json.loads(run(["clients", "list", "--json"], env).stdout)
    assert [(c["client_id"], c["environment"], c["active_secrets"]) for c in listed] == [
        (pair["client_id"], "live", 1)
    ]
    assert pair["client_secret"] not in run(["clients", "list"], env).stdout

    rotated = run(["clients", "rotate-secret", pair["client_id"], "--grace", "0", "--json"], env)
    assert rotated.returncode == 0, rotated.stderr
    new_secret = json.loads(rotated.stdout)["client_secret"]
    assert new_secret != pair["client_secret"]
    listed = json.loads(run(["clients", "list", "--json"], env).stdout)
    assert listed[0]["active_secrets"] == 1

    unknown = run(["clients", "rotate-secret", "cli_nope"], env)
    assert unknown.returncode == 2
    assert "clients list" in unknown.stderr


def test_invalid_client_input_is_one_line(tmp_path: Path) -> None:
    result = run(
        ["clients", "create", "Acme", "--origin", "http://app.example", "--environment", "live"],
        _env(tmp_path),
    )
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "https" in result.stderr


def test_migrate_is_repeatable(tmp_path: Path) -> None:
    env = _env(tmp_path)
    for _ in range(2):
        result = run(["migrate"], env)
        assert result.returncode == 0, result.stderr
    assert (tmp_path / "gridlink.db").exists()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _serve_once(env: dict[str, str], port: int) -> str:
    process = subprocess.Popen(
        [GRIDLINK, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.05)
        else:
            raise AssertionError("gridlink serve did not become ready")
    finally:
        process.terminate()
        stdout, _ = process.communicate(timeout=20)
    # uvicorn shuts down gracefully, then re-raises SIGTERM so the exit status tells the truth.
    assert process.returncode in (0, -signal.SIGTERM)
    return stdout


@pytest.mark.slow
def test_serve_creates_a_sandbox_client_on_first_start_only(tmp_path: Path) -> None:
    env = _env(tmp_path / "data")
    port = _free_port()
    first = _serve_once(env, port)
    assert f"http://127.0.0.1:{port}" in first
    assert f"Dashboard:      http://127.0.0.1:{port}/dashboard" in first
    assert FIRST_ADMIN in first  # no operator yet
    secret_line = next(line for line in first.splitlines() if "client_secret:" in line)
    secret = secret_line.split()[-1]
    assert tokens.parse(secret, tokens.TokenKind.CLIENT_SECRET) == "sandbox"
    client_id = next(line for line in first.splitlines() if "client_id:" in line).split()[-1]

    # The printed curl works against a running server.
    process = subprocess.Popen(
        [GRIDLINK, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        for _ in range(600):
            try:
                httpx.get(f"http://127.0.0.1:{port}/healthz")
                break
            except httpx.TransportError:
                time.sleep(0.05)
        response = httpx.post(
            f"http://127.0.0.1:{port}/v1/auth/connect_token",
            json={"client_user_id": "user-123"},
            auth=(client_id, secret),
        )
        assert response.status_code == 200, response.text
    finally:
        process.terminate()
        second, _ = process.communicate(timeout=20)
    assert secret not in second
    assert client_id in second


def test_the_banner_names_the_dashboard_and_how_to_make_the_first_admin() -> None:
    settings = Settings(public_url="https://gridlink.example")
    sandbox = SandboxClient("cli_01JD3Q2V7S9X8Y6Z5W4V3U2T1S", None)
    alone = _banner(settings, sandbox, has_operators=False)
    assert "  Dashboard:      https://gridlink.example/dashboard\n" in alone
    [line] = [line for line in alone.splitlines() if "operator" in line]
    assert line.endswith(FIRST_ADMIN)
    assert FIRST_ADMIN == "gridlink operators create you@example.com --role admin --password-stdin"
    staffed = _banner(settings, sandbox, has_operators=True)
    assert "https://gridlink.example/dashboard" in staffed
    assert FIRST_ADMIN not in staffed


def test_a_busy_port_is_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run(["serve", "--port", str(port)], _env(tmp_path))
    assert result.returncode == 1
    assert "cannot listen" in result.stderr
    assert "--port" in result.stderr


@pytest.mark.parametrize(
    ("name", "value"), [("GRIDLINK_PORT", "abc"), ("GRIDLINK_LOG_LEVEL", "loud")]
)
def test_bad_settings_are_one_line(tmp_path: Path, name: str, value: str) -> None:
    env = _env(tmp_path)
    env[name] = value
    result = run(["migrate"], env)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert name in result.stderr
