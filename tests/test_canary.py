"""Canary: secrets never land anywhere in clear, whatever a real server does with them.

A real `gridlink serve` process (debug logging) is driven over HTTP on SQLite and on PostgreSQL:
a client is created with the CLI, trades its secret for an access token, creates connect tokens
(one retried with an Idempotency-Key, so a saved response exists), and makes mistakes an
integrator makes (the secret in a query string, in a JSON body, as a bearer token, a wrong
password), and registers a webhook endpoint whose URL carries an API key in its query string;
the server's worker delivers two test events to it (the first refused with a 500, the second
taken). Then the server stops and the SQLite files, a `pg_dump` and the captured output are
searched for every secret and token in clear, and for anything shaped like one; the logs also
for the receiver's API key (the database keeps the URL: delivery needs it). Each search also
looks for a value that must be there (the client id, a request id, the delivery's log line), so
a search that silently read nothing fails instead of passing.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import http.server
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url

from gridlink.kit import tokens
from gridlink.kit.tokens import TOKEN_PATTERN
from tests.conftest import DATABASES, PG_ADMIN_URL

GRIDLINK = Path(sys.executable).with_name("gridlink")  # the installed entry point
# The secrets' shape, without the word boundaries: in a database file, bytes that happen to be
# letters can sit right next to a stored value.
ANY_TOKEN = re.compile(TOKEN_PATTERN.pattern.replace(r"\b", "").encode())
START_TIMEOUT = 60.0  # seconds; generous for a loaded machine, a healthy start takes ~1 s
DELIVERY_TIMEOUT = 60.0  # seconds; a delivery normally arrives within one worker poll
# The receiver's own API key, in the endpoint URL's query string (a common receiver set-up).
RECEIVER_KEY = f"rk-canary-{uuid.uuid4().hex}"


@dataclass
class Server:
    url: str
    data_dir: Path
    logs: list[Path]
    request_ids: list[str] = field(default_factory=list)


class _Hooks(http.server.BaseHTTPRequestHandler):
    """Answers the first delivery 500, the rest 200; records the paths it was sent."""

    received: list[str]

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", "0")))
        self.received.append(self.path)
        self.send_response(500 if len(self.received) == 1 else 200)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@contextlib.contextmanager
def webhook_receiver() -> Iterator[tuple[str, list[str]]]:
    received: list[str] = []
    handler = type("Hooks", (_Hooks,), {"received": received})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/hooks?api_key={RECEIVER_KEY}", received
    finally:
        server.shutdown()
        server.server_close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _environment(tmp_path: Path, database_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRIDLINK_")}
    env.update(GRIDLINK_DATA_DIR=str(tmp_path / "data"), GRIDLINK_LOG_LEVEL="debug")
    if database_url is not None:
        env["GRIDLINK_DATABASE_URL"] = database_url
    return env


async def _admin(statement: str) -> None:
    connection = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture
def scratch_postgres() -> Iterator[str]:
    """A fresh, uniquely named PostgreSQL database, dropped afterwards."""
    name = f"gridlink_canary_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    try:
        yield name
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _create_client(env: dict[str, str]) -> tuple[str, str]:
    command = [str(GRIDLINK), "clients", "create", "Canary App", "--json"]
    done = subprocess.run(
        [*command, "--origin", "https://canary.example"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    created = json.loads(done.stdout)
    return created["client_id"], created["client_secret"]


@contextlib.contextmanager
def running_server(env: dict[str, str], tmp_path: Path) -> Iterator[Server]:
    """`gridlink serve` on a free port, output captured to files; stopped (SIGINT) on exit."""
    port = _free_port()
    logs = [tmp_path / "serve.stdout", tmp_path / "serve.stderr"]
    with logs[0].open("wb") as out, logs[1].open("wb") as err:
        process = subprocess.Popen(
            [str(GRIDLINK), "serve", "--port", str(port)], env=env, stdout=out, stderr=err
        )
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_until_ready(process, url, logs[1])
        yield Server(url, Path(env["GRIDLINK_DATA_DIR"]), logs)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_ready(process: subprocess.Popen[bytes], url: str, stderr: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        assert process.poll() is None, f"gridlink serve exited: {stderr.read_text()}"
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, f"not ready in time: {stderr.read_text()}"
        time.sleep(0.05)


def _exercise(server: Server, client_id: str, secret: str) -> list[str]:
    """Use every secret the way integrators do, right and wrong; returns the values issued."""
    issued = [secret]
    with httpx.Client(base_url=server.url, timeout=30) as http:

        def call(method: str, path: str, expect: int, **kwargs: object) -> httpx.Response:
            response = http.request(method, path, **kwargs)  # type: ignore[arg-type]
            assert response.status_code == expect, (method, path, response.text)
            server.request_ids.append(response.headers["x-request-id"])
            return response

        form = {"grant_type": "client_credentials"}
        token = call("POST", "/v1/auth/token", 200, data=form, auth=(client_id, secret))
        issued.append(token.json()["access_token"])
        in_body = {**form, "client_id": client_id, "client_secret": secret}
        issued.append(call("POST", "/v1/auth/token", 200, json=in_body).json()["access_token"])
        bearer = {"Authorization": f"Bearer {issued[1]}"}

        for user in ("canary-user-1", "canary-user-2"):
            body = {"client_user_id": user}
            created = call("POST", "/v1/auth/connect_token", 200, json=body, headers=bearer)
            issued.append(created.json()["connect_token"])
        retried = {**bearer, "Idempotency-Key": str(uuid.uuid4())}
        body = {"client_user_id": "canary-user-3", "utility_id": "sandbox_gas"}
        first = call("POST", "/v1/auth/connect_token", 200, json=body, headers=retried)
        replay = call("POST", "/v1/auth/connect_token", 200, json=body, headers=retried)
        assert replay.headers.get("idempotent-replayed") == "true"
        assert replay.json() == first.json()
        issued.append(first.json()["connect_token"])

        # The mistakes: each must fail, and none may leave the secret behind.
        call("GET", "/v1/users", 401, params={"client_id": client_id, "client_secret": secret})
        call("GET", "/v1/users", 401, params={"access_token": issued[1]})
        call("POST", "/v1/auth/token", 401, params={**in_body}, data=form)
        # One character changed (never to itself: a secret ending in "x" would stay valid).
        altered = secret[:-1] + ("y" if secret.endswith("x") else "x")
        call("GET", "/v1/users", 401, auth=(client_id, altered))
        call("GET", "/v1/users", 401, auth=(secret, secret))
        call("GET", "/v1/users", 401, headers={"Authorization": f"Bearer {secret}"})
        call("GET", "/v1/users", 401, headers={"X-Api-Key": secret})
        misplaced = {"client_user_id": "canary-user-4", "client_secret": secret}
        call("POST", "/v1/auth/connect_token", 422, json=misplaced, headers=bearer)
        call("POST", "/v1/auth/connect_token", 422, content=secret, headers=bearer)
        call("GET", "/v1/users/canary-user-1", 200, headers=bearer)

        # A webhook endpoint whose URL holds the receiver's API key; two test deliveries.
        with webhook_receiver() as (hook_url, received):
            endpoint = call(
                "POST", "/v1/webhook_endpoints", 201, json={"url": hook_url}, headers=bearer
            )
            issued.append(endpoint.json()["secret"])
            test = f"/v1/webhook_endpoints/{endpoint.json()['id']}/test"
            for expected in (1, 2):
                call("POST", test, 202, headers=bearer)
                deadline = time.monotonic() + DELIVERY_TIMEOUT
                while len(received) < expected:
                    assert time.monotonic() < deadline, "the test event was not delivered"
                    time.sleep(0.05)
            assert all(path.endswith(f"?api_key={RECEIVER_KEY}") for path in received)
    return issued


def _search(blobs: dict[str, bytes], needles: list[str]) -> list[str]:
    """Where any needle, or anything shaped like a Gridlink secret, appears."""
    hits = [
        f"{needle[:12]}... in {where}"
        for where, blob in blobs.items()
        for needle in needles
        if needle.encode() in blob
    ]
    hits += [
        f"token-shaped {match.group()[:12].decode()!r}... in {where}"
        for where, blob in blobs.items()
        for match in ANY_TOKEN.finditer(blob)
    ]
    return hits


def _needles(client_id: str, issued: list[str]) -> list[str]:
    basic = base64.b64encode(f"{client_id}:{issued[0]}".encode()).decode()
    return [*issued, basic]


def _assert_no_secret_left(
    server: Server, database: dict[str, bytes], client_id: str, issued: list[str]
) -> None:
    logs = {path.name: path.read_bytes() for path in server.logs}
    # First, the searches can see: the client is in the database, every request in the logs,
    # and the worker's delivery requests (httpx logs each one, at debug level).
    assert any(client_id.encode() in blob for blob in database.values()), list(database)
    assert all(rid.encode() in logs["serve.stderr"] for rid in server.request_ids)
    assert b"Gridlink is running at" in logs["serve.stdout"]
    assert logs["serve.stderr"].count(b"HTTP Request: POST http://127.0.0.1:") >= 2
    assert _search({**database, **logs}, _needles(client_id, issued)) == []
    assert _search(logs, [RECEIVER_KEY]) == []


@pytest.mark.slow
@pytest.mark.skipif("sqlite" not in DATABASES, reason="SQLite not selected")
def test_no_secret_in_the_sqlite_files_or_the_logs(tmp_path: Path) -> None:
    env = _environment(tmp_path, database_url=None)
    client_id, secret = _create_client(env)
    with running_server(env, tmp_path) as server:
        issued = _exercise(server, client_id, secret)
    files = sorted(server.data_dir.glob("gridlink.db*"))  # the database, -wal and -shm
    assert server.data_dir / "gridlink.db" in files
    database = {path.name: path.read_bytes() for path in files}
    _assert_no_secret_left(server, database, client_id, issued)


@pytest.mark.slow
@pytest.mark.skipif("postgresql" not in DATABASES, reason="PostgreSQL not selected")
def test_no_secret_in_a_postgresql_dump_or_the_logs(tmp_path: Path, scratch_postgres: str) -> None:
    admin = make_url(PG_ADMIN_URL)
    url = admin.set(database=scratch_postgres).render_as_string(hide_password=False)
    env = _environment(tmp_path, url)
    client_id, secret = _create_client(env)
    with running_server(env, tmp_path) as server:
        issued = _exercise(server, client_id, secret)
    where = ["--host", admin.host or "127.0.0.1", "--port", str(admin.port or 5432)]
    dump = subprocess.run(
        ["pg_dump", *where, "--username", admin.username or "postgres", scratch_postgres],
        capture_output=True,
        timeout=60,
        check=True,
    ).stdout
    assert b"CREATE TABLE public.connect_tokens" in dump
    _assert_no_secret_left(server, {"pg_dump": dump}, client_id, issued)


def test_the_search_finds_secrets_and_anything_shaped_like_one() -> None:
    """The canary's search must be able to fail (no server needed)."""
    secret = tokens.generate(tokens.TokenKind.CLIENT_SECRET, "sandbox")
    stray = tokens.generate(tokens.TokenKind.CONNECT_TOKEN, "live")
    blobs = {
        "db": b"\x00row" + secret.encode() + b"\x00",
        "log": b'{"msg": "token ' + stray.encode() + b'"}',
        "clean": b"glsk_sandbox_... cli_01JD3Q2V7S9X8Y6Z5W4V3U2T1S",
    }
    assert _search(blobs, [secret]) == [
        f"{secret[:12]}... in db",
        f"token-shaped {secret[:12]!r}... in db",
        f"token-shaped {stray[:12]!r}... in log",
    ]
