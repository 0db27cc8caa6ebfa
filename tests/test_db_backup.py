"""Control 44: a backup taken while the server writes restores into a fresh data folder, and the
restored server opens its sealed secrets with the key ring, which is backed up separately.

Everything is real: `gridlink serve` subprocesses, the webhook receiver, and on PostgreSQL the
exact `pg_dump` command `gridlink db backup` prints (then `pg_restore`). The proofs that sealed
secrets open after the restore: a test webhook arrives signed with the endpoint's secret
(sealed under the master key, verified here with the `standardwebhooks` library), and a
requested sync signs in to the sandbox utility with the stored password (opened through the
vault's data keys). Without the key file, the same restore cannot open them."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shlex
import shutil
import signal
import sqlite3
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from standardwebhooks import Webhook

from gridlink.kit.backup import copy_sqlite
from gridlink.kit.keyring import key_file_path
from tests.conftest import DATABASES, PG_ADMIN_URL
from tests.receiver import Receiver

pytestmark = pytest.mark.slow

GRIDLINK = str(Path(sys.executable).parent / "gridlink")
PG_TOOLS = shutil.which("pg_dump") and shutil.which("pg_restore")


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _env(data_dir: Path, database_url: str | None) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("GRIDLINK_") or key.startswith("GRIDLINK_TEST_")
    }
    env |= {
        "GRIDLINK_DATA_DIR": str(data_dir),  # the key ring: DATA_DIR/master.keys
        "GRIDLINK_LOG_LEVEL": "warning",
        "GRIDLINK_SYNC_HISTORY_MONTHS": "1",
        "GRIDLINK_WEBHOOK_POLL_SECONDS": "0.2",
    }
    if database_url is not None:
        env["GRIDLINK_DATABASE_URL"] = database_url
    return env


@dataclass
class Served:
    url: str
    banner: str


def _log_file(env: dict[str, str], port: int) -> Any:
    return (Path(env["GRIDLINK_DATA_DIR"]).parent / f"serve-{port}.log").open("w")


@contextlib.asynccontextmanager
async def serving(env: dict[str, str]) -> AsyncIterator[Served]:
    port = _free_port()
    log = _log_file(env, port)
    process = await asyncio.create_subprocess_exec(
        GRIDLINK, "serve", "--port", str(port), env=env, stdout=asyncio.subprocess.PIPE, stderr=log
    )
    assert process.stdout is not None
    banner: list[str] = []
    try:
        while not any("client_secret:" in line or "get a new" in line for line in banner):
            line = await asyncio.wait_for(process.stdout.readline(), 60)
            assert line, f"gridlink serve exited; see {log.name}: {banner}"
            banner.append(line.decode())
        yield Served(f"http://127.0.0.1:{port}", "".join(banner))
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 30)
        log.close()


async def gridlink(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        GRIDLINK, *args, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def run(command: list[str]) -> None:
    process = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await process.communicate()
    assert process.returncode == 0, (command, out.decode(), err.decode())


@dataclass
class Seeded:
    auth: httpx.BasicAuth
    endpoint_id: str
    endpoint_secret: str
    credential_id: str
    last_synced_at: str


async def _until(check: Any, within: float = 60.0) -> Any:
    deadline = time.monotonic() + within
    while True:
        result = await check()
        if result:
            return result
        assert time.monotonic() < deadline, "the condition never held"
        await asyncio.sleep(0.1)


async def seed(server: Served, receiver: Receiver) -> Seeded:
    client_id = re.search(r"client_id:\s+(\S+)", server.banner)
    secret = re.search(r"client_secret:\s+(\S+)", server.banner)
    assert client_id is not None
    assert secret is not None
    auth = httpx.BasicAuth(client_id.group(1), secret.group(1))
    async with httpx.AsyncClient(base_url=server.url, auth=auth, timeout=30) as api:
        endpoint = await api.post("/v1/webhook_endpoints", json={"url": receiver.url})
        assert endpoint.status_code == 201, endpoint.text
        linked = await api.post(
            "/v1/sandbox/utility_credentials",
            json={
                "client_user_id": "backup-user",
                "utility_id": "sandbox_electric",
                "username": "user_good",
                "password": "pass_good",
            },
        )
        assert linked.status_code in (200, 201), linked.text
        credential_id = linked.json()["utility_credential_id"]

        async def synced() -> str | None:
            body = (await api.get(f"/v1/utility_credentials/{credential_id}")).json()
            sync = body.get("sync") or {}
            return sync.get("last_synced_at") if sync.get("state") == "scheduled" else None

        last = await _until(synced)
    return Seeded(auth, endpoint.json()["id"], endpoint.json()["secret"], credential_id, last)


async def keep_writing(server: Served, auth: httpx.BasicAuth, stop: asyncio.Event) -> int:
    """What a busy server does meanwhile: new end users and connect tokens, commit after
    commit."""
    written = 0
    async with httpx.AsyncClient(base_url=server.url, auth=auth, timeout=30) as api:
        while not stop.is_set():
            made = await api.post("/v1/auth/connect_token", json={"client_user_id": f"w-{written}"})
            assert made.status_code == 200, made.text
            written += 1
    return written


async def prove_secrets_open(server: Served, seeded: Seeded, receiver: Receiver) -> None:
    async with httpx.AsyncClient(base_url=server.url, auth=seeded.auth, timeout=30) as api:
        before = len(receiver.requests)
        sent = await api.post(f"/v1/webhook_endpoints/{seeded.endpoint_id}/test")
        assert sent.status_code in (200, 201, 202), sent.text
        assert await receiver.wait_for(lambda r: len(r) > before, 30)
        request = receiver.requests[-1]
        payload = Webhook(seeded.endpoint_secret).verify(request.body, request.headers)
        assert payload["type"] == "test"

        refresh = await api.post(f"/v1/utility_credentials/{seeded.credential_id}/refresh")
        assert refresh.status_code in (200, 202), refresh.text

        async def synced_again() -> bool:
            body = (await api.get(f"/v1/utility_credentials/{seeded.credential_id}")).json()
            sync = body["sync"]
            assert sync["last_error"] is None, sync
            return bool(
                sync["state"] == "scheduled" and sync["last_synced_at"] > seeded.last_synced_at
            )

        await _until(synced_again)


async def backup_while_writing(server: Served, seeded: Seeded, take: Any) -> tuple[int, Any]:
    stop = asyncio.Event()
    writer = asyncio.create_task(keep_writing(server, seeded.auth, stop))
    await asyncio.sleep(0.3)  # the writes are under way
    try:
        result = await take()
    finally:
        stop.set()
    return await writer, result


# SQLite ------------------------------------------------------------------------------------------


@pytest.mark.skipif("sqlite" not in DATABASES, reason="SQLite not selected")
async def test_sqlite_backup_of_a_running_server_restores_and_opens_its_secrets(
    tmp_path: Path,
) -> None:
    receiver = await Receiver().start()
    first, restored, keyless = tmp_path / "first", tmp_path / "restored", tmp_path / "keyless"
    backup = tmp_path / "backups" / "gridlink-backup.db"
    backup.parent.mkdir()
    try:
        env = _env(first, None)
        async with serving(env) as server:
            seeded = await seed(server, receiver)
            written, (status, out, err) = await backup_while_writing(
                server, seeded, lambda: gridlink(env, "db", "backup", str(backup))
            )
        assert status == 0, err
        assert "integrity ok" in out
        assert "master keys" in out  # the reminder: they are not in the file
        assert written > 0
        assert backup.stat().st_mode & 0o777 == 0o600
        # One instant of a busy database: the writer's users form an unbroken prefix 0..k-1,
        # each with the connect token committed in the same transaction.
        with contextlib.closing(sqlite3.connect(backup)) as copy:
            rows = copy.execute(
                "SELECT u.client_user_id, count(t.id) FROM users u "
                "LEFT JOIN connect_tokens t ON t.user_id = u.id "
                "WHERE u.client_user_id LIKE 'w-%' GROUP BY u.id"
            ).fetchall()
        numbers = sorted(int(user.removeprefix("w-")) for user, _ in rows)
        assert numbers == list(range(len(numbers)))
        assert 0 < len(numbers) <= written
        assert all(tokens == 1 for _, tokens in rows)

        for folder, with_keys in ((restored, True), (keyless, False)):
            folder.mkdir()
            shutil.copyfile(backup, folder / "gridlink.db")
            if with_keys:
                shutil.copyfile(key_file_path(first), key_file_path(folder))

        async with serving(_env(restored, None)) as server:
            assert "get a new" in server.banner  # not a first start: the clients came back
            await prove_secrets_open(server, seeded, receiver)

        # The control: the same database without its key file cannot open what it sealed.
        async with serving(_env(keyless, None)) as server:
            async with httpx.AsyncClient(base_url=server.url, auth=seeded.auth) as api:
                before = len(receiver.requests)
                sent = await api.post(f"/v1/webhook_endpoints/{seeded.endpoint_id}/test")
                assert sent.status_code in (200, 201, 202), sent.text

                async def failed() -> list[Any]:
                    log = await api.get(f"/v1/webhook_endpoints/{seeded.endpoint_id}/deliveries")
                    return [a for a in log.json()["data"] if a["error"]]

                [attempt, *_] = await _until(failed)
            assert attempt["error"] == "delivery error: KeyringError"
            assert len(receiver.requests) == before
    finally:
        await receiver.stop()


def test_a_backup_never_overwrites_and_refuses_a_missing_database(tmp_path: Path) -> None:
    import subprocess

    env = _env(tmp_path / "none", None)
    target = tmp_path / "b.db"
    missing = subprocess.run(
        [GRIDLINK, "db", "backup", str(target)], env=env, capture_output=True, text=True
    )
    assert missing.returncode == 2
    assert "no database" in missing.stderr
    assert not target.exists()
    source = tmp_path / "source.db"
    with sqlite3.connect(source) as db:
        db.execute("CREATE TABLE alembic_version (version_num TEXT)")
        db.execute("INSERT INTO alembic_version VALUES ('0009')")
    target.write_text("keep me")
    with pytest.raises(Exception, match="appeared while the backup ran"):
        copy_sqlite(source, target)
    assert target.read_text() == "keep me"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


# PostgreSQL --------------------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def scratch_database(tag: str) -> AsyncIterator[str]:
    name = f"gridlink_backup_{tag}_{os.getpid()}"
    admin = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@pytest.mark.skipif("postgresql" not in DATABASES, reason="PostgreSQL not selected")
@pytest.mark.skipif(not PG_TOOLS, reason="pg_dump and pg_restore are not installed")
async def test_postgresql_backup_refuses_prints_pg_dump_and_that_command_restores(
    tmp_path: Path,
) -> None:
    receiver = await Receiver().start()
    first, restored = tmp_path / "first", tmp_path / "restored"
    dump = tmp_path / "gridlink.dump"
    try:
        async with scratch_database("src") as source_url, scratch_database("dst") as target_url:
            env = _env(first, source_url)
            async with serving(env) as server:
                seeded = await seed(server, receiver)
                status, _out, advice = await gridlink(env, "db", "backup", str(dump))
                assert status == 2
                assert "PostgreSQL" in advice
                [printed] = [line for line in advice.splitlines() if "pg_dump " in line]
                command = shlex.split(printed.strip())
                assert command[0] == "pg_dump"
                assert f"--file={dump}" in command
                written, _ = await backup_while_writing(server, seeded, lambda: run(command))
            assert written > 0
            await run(["pg_restore", "--no-owner", f"--dbname={target_url}", str(dump)])
            restored.mkdir()
            shutil.copyfile(key_file_path(first), key_file_path(restored))
            async with serving(_env(restored, target_url)) as server:
                assert "get a new" in server.banner
                await prove_secrets_open(server, seeded, receiver)
    finally:
        await receiver.stop()
