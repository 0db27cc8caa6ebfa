"""Master key rotation: re-wrapping data keys while seals and opens keep running."""

from __future__ import annotations

import asyncio
import logging
import random
import re
import stat
from pathlib import Path

import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from gridlink.config import Settings
from gridlink.kit.clock import Clock
from gridlink.kit.db import Database
from gridlink.kit.keyring import (
    KeyFileSource,
    Keyring,
    StaticKeySource,
    add_primary_key,
    key_file_path,
    open_key_source,
    remove_key,
)
from gridlink.kit.vault import Owner, Vault, data_keys_per_master_key, rewrap_all
from tests.factories import make_client


async def _seal(db: Database, vault: Vault, owner: Owner, plaintext: bytes) -> None:
    async with db.transaction() as session:
        await vault.seal(session, owner=owner, field="password", plaintext=plaintext)


async def _open(db: Database, vault: Vault, owner: Owner) -> bytes:
    async with db.transaction(write=False) as session:
        return await vault.open(session, owner=owner, field="password")


class Traffic:
    """Seals new records and opens earlier ones until stopped, like a serving API would."""

    def __init__(self, db: Database, vault: Vault, client_id: str) -> None:
        self.db, self.vault, self.client_id = db, vault, client_id
        self.sealed: dict[Owner, bytes] = {}
        self.errors: list[BaseException] = []
        self.stop = asyncio.Event()
        self.during = 0

    async def seal(self, name: str) -> None:
        owner = Owner(self.client_id, name)
        plaintext = f"secret of {name}".encode()
        await _seal(self.db, self.vault, owner, plaintext)
        self.sealed[owner] = plaintext

    async def run(self, worker: int) -> None:
        rng = random.Random(worker)
        n = 0
        while not self.stop.is_set():
            try:
                await self.seal(f"ucr_w{worker}_{n}")
                owner = rng.choice(list(self.sealed))
                assert await _open(self.db, self.vault, owner) == self.sealed[owner]
                self.during += 1
            except Exception as exc:  # every failure is a lost secret: collect, assert later
                self.errors.append(exc)
            n += 1
            await asyncio.sleep(0)


async def test_rotation_while_sealing_and_opening_loses_nothing(
    app: FastAPI, tmp_path: Path
) -> None:
    db: Database = app.state.db
    clock: Clock = app.state.clock
    client = await make_client(app)
    path = key_file_path(tmp_path)
    server_keys = open_key_source(None, tmp_path)  # what a running server holds
    old_id = server_keys.current().primary_id
    traffic = Traffic(db, Vault(server_keys, clock), client.id)
    for n in range(60):
        await traffic.seal(f"ucr_before_{n}")

    workers = [asyncio.create_task(traffic.run(w)) for w in range(3)]
    await asyncio.sleep(0.05)
    new_id = add_primary_key(path).primary_id  # `gridlink keys rotate`, another process
    served_before = traffic.during
    rotated = KeyFileSource(path, Keyring.parse)
    report = await rewrap_all(db, rotated, clock, batch_size=7, settle_seconds=0.3)
    served_while_rotating = traffic.during - served_before
    traffic.stop.set()
    await asyncio.gather(*workers)

    assert traffic.errors == []
    assert served_while_rotating > 0
    assert report.finished
    assert not report.unreadable
    assert report.rewrapped >= 60
    assert set(await data_keys_per_master_key(db)) == {new_id}
    remove_key(path, old_id)  # `gridlink keys retire`
    after = Vault(KeyFileSource(path, Keyring.parse), clock)
    for owner, plaintext in traffic.sealed.items():
        assert await _open(db, after, owner) == plaintext
    assert len(traffic.sealed) > 60


async def test_rewrap_resumes_and_repeats_safely(app: FastAPI, tmp_path: Path) -> None:
    db: Database = app.state.db
    clock: Clock = app.state.clock
    client = await make_client(app)
    path = key_file_path(tmp_path)
    keys = open_key_source(None, tmp_path)
    old_ring = keys.current()
    stale = Vault(StaticKeySource(old_ring), clock)  # a process not restarted after rotation
    for n in range(5):
        await _seal(db, stale, Owner(client.id, f"ucr_{n}"), b"pw")
    ring = add_primary_key(path)
    first = await rewrap_all(db, keys, clock, batch_size=2, settle_seconds=0)
    for n in range(5, 8):
        await _seal(db, stale, Owner(client.id, f"ucr_{n}"), b"pw")
    second = await rewrap_all(db, keys, clock, settle_seconds=0)
    third = await rewrap_all(db, keys, clock, settle_seconds=0)
    assert (first.rewrapped, second.rewrapped, third.rewrapped) == (5, 3, 0)
    assert await data_keys_per_master_key(db) == {ring.primary_id: 8}


async def test_data_keys_under_a_lost_master_key_are_reported_not_looped_on(
    app: FastAPI, tmp_path: Path
) -> None:
    db: Database = app.state.db
    client = await make_client(app)
    owner = Owner(client.id, "ucr_1")
    await _seal(db, app.state.vault, owner, b"pw")  # under the test key "ktest"
    keys = open_key_source(None, tmp_path)  # a ring without "ktest"
    report = await rewrap_all(db, keys, app.state.clock, settle_seconds=0)
    assert report.finished
    assert report.rewrapped == 0
    assert len(report.unreadable) == 1


def test_key_file_is_private_and_stays_private(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        keys = open_key_source(None, tmp_path / "data")
    path = key_file_path(tmp_path / "data")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "created a local master key file" in caplog.text
    ring = add_primary_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert keys.current() == ring  # a running server sees the new primary without a restart
    assert len(ring.keys) == 2
    assert sorted(p.name for p in path.parent.iterdir()) == ["master.keys", "master.keys.lock"]
    path.rename(path.with_name("moved-away"))
    assert keys.current() == ring  # a vanished file does not take the keys with it
    path.with_name("moved-away").rename(path)
    path.chmod(0o644)
    with caplog.at_level(logging.WARNING):
        open_key_source(None, tmp_path / "data")
    assert "can be read by other users" in caplog.text


def test_environment_keys_take_precedence_and_are_never_written(tmp_path: Path) -> None:
    configured = "kenv:" + "A" * 43 + "="
    keys = open_key_source(configured, tmp_path)
    assert keys.current().primary_id == "kenv"
    assert list(tmp_path.iterdir()) == []


def test_keys_commands(db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from gridlink import cli_keys

    settings = Settings(database_url=db_url, data_dir=tmp_path)

    async def seal_some() -> str:
        db = Database(db_url)
        try:
            from gridlink.clients.service import NewClient, create_client
            from gridlink.kit.clock import SystemClock

            async with db.transaction() as session:
                created = await create_client(
                    session, SystemClock(), NewClient("Acme", ["https://acme.example"], [])
                )
            vault = Vault(open_key_source(None, tmp_path), SystemClock())
            for n in range(3):
                await _seal(db, vault, Owner(created.client_id, f"ucr_{n}"), b"pw")
            return vault.keys.current().primary_id
        finally:
            await db.dispose()

    old_id = asyncio.run(seal_some())
    assert cli_keys.list_keys(settings) == 0
    assert f"{old_id}  primary  data keys: 3" in capsys.readouterr().out

    env = settings.model_copy(update={"master_keys": SecretStr("kenv:" + "A" * 43 + "=")})
    assert cli_keys.rotate(env, batch_size=2) == 0
    out = capsys.readouterr().out
    assert "does not edit" in out
    assert re.search(r"GRIDLINK_MASTER_KEYS=k[0-9a-f]{8}:[^,]+,kenv:", out)
    assert open_key_source(None, tmp_path).current().primary_id == old_id  # nothing changed

    assert cli_keys.retire(settings, old_id) == 2  # still the primary
    assert cli_keys.rotate(settings, batch_size=2) == 0
    assert "re-wrapped 3 data key(s)" in capsys.readouterr().out
    assert cli_keys.retire(settings, old_id) == 0
    ring = open_key_source(None, tmp_path).current()
    assert old_id not in ring.keys
    assert cli_keys.list_keys(settings) == 0
    assert f"{ring.primary_id}  primary  data keys: 3" in capsys.readouterr().out
