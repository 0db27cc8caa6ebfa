"""Fixtures of the split deployment (ADR 0012): an API-mode app with the public sealing key in
its sealing.pub and its own API keys, and a worker-mode vault from an opening.keys file, both
on the test database."""

from __future__ import annotations

import asyncio
import base64
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from gridlink import Settings, create_app
from gridlink.kit.clock import ManualClock
from gridlink.kit.key_modes import open_process_keys
from gridlink.kit.keypairs import OpeningKeys
from gridlink.kit.keyring import KeySource, Ring
from gridlink.kit.vault import Owner, Vault
from gridlink.models import DataKey, SealedSecret
from gridlink.worker.registry import JOBS, build_connectors, build_loops
from gridlink.worker.runner import Worker
from tests.lifespan import running

API_KEYS = "kapi:" + base64.b64encode(b"\x05" * 32).decode()


@pytest.fixture
def pairs() -> OpeningKeys:
    return OpeningKeys.generate()


def _engine_settings() -> dict[str, object]:
    return {
        "migrate_on_start": False,
        "worker_poll_seconds": 0.05,
        "connect_wait_seconds": 1.0,
        "connect_input_timeout_seconds": 3.0,
        "attempt_lease_seconds": 5.0,
        "sync_history_months": 1,
    }


@pytest.fixture
def api_settings(db_url: str, tmp_path: Path, pairs: OpeningKeys) -> Settings:
    """An API process: the public key in its sealing.pub, its own API keys, nothing else."""
    folder = tmp_path / "api"
    folder.mkdir()
    (folder / "sealing.pub").write_text(pairs.sealing_key().serialize())
    return Settings(
        database_url=db_url,
        data_dir=folder,
        key_mode="api",
        api_keys=API_KEYS,  # type: ignore[arg-type]
        run_worker=False,
        **_engine_settings(),  # type: ignore[arg-type]
    )


@pytest.fixture
def worker_settings(db_url: str, tmp_path: Path, pairs: OpeningKeys) -> Settings:
    folder = tmp_path / "worker"
    folder.mkdir()
    (folder / "opening.keys").write_text(pairs.serialize())
    (folder / "opening.keys").chmod(0o600)
    return Settings(
        database_url=db_url,
        data_dir=folder,
        key_mode="worker",
        **_engine_settings(),  # type: ignore[arg-type]
    )


@pytest.fixture
async def api_app(api_settings: Settings, clock: ManualClock) -> AsyncIterator[FastAPI]:
    application = create_app(api_settings, clock=clock)
    async with running(application):
        yield application


@pytest.fixture
async def api(api_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=api_app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture
def worker_keys(worker_settings: Settings) -> KeySource[Ring]:
    return open_process_keys(worker_settings).secrets


@pytest.fixture
def worker_vault(worker_keys: KeySource[Ring], clock: ManualClock) -> Vault:
    return Vault(worker_keys, clock)


@contextlib.asynccontextmanager
async def running_worker(api_app: FastAPI, settings: Settings, vault: Vault) -> AsyncIterator[None]:
    """The worker loops with a worker-mode vault, on the API's database."""
    db, clock = api_app.state.db, api_app.state.clock
    loops = build_loops(db, clock, vault, settings, build_connectors(settings))
    worker = Worker(db, clock, JOBS, settings.worker_poll_seconds, loops)
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run_forever(stop))
    try:
        yield
    finally:
        stop.set()
        await task


async def open_field(app: FastAPI, vault: Vault, owner: Owner, field: str) -> bytes:
    async with app.state.db.transaction(write=False) as session:
        opened: bytes = await vault.open(session, owner=owner, field=field)
    return opened


async def seal_field(app: FastAPI, owner: Owner, field: str, plaintext: bytes) -> None:
    async with app.state.db.transaction() as session:
        await app.state.vault.seal(session, owner=owner, field=field, plaintext=plaintext)


async def all_fields(app: FastAPI) -> list[tuple[DataKey, SealedSecret]]:
    async with app.state.db.transaction(write=False) as session:
        found = await session.execute(
            select(DataKey, SealedSecret).join(SealedSecret, SealedSecret.data_key_id == DataKey.id)
        )
        return [(d, s) for d, s in found.all()]


async def fields(app: FastAPI) -> dict[tuple[str, str], tuple[DataKey, SealedSecret]]:
    return {(d.record_id, s.field): (d, s) for d, s in await all_fields(app)}


async def set_ciphertext(app: FastAPI, data_key_id: str, field: str, ciphertext: bytes) -> None:
    async with app.state.db.transaction() as session:
        row = await session.get(SealedSecret, (data_key_id, field))
        assert row is not None
        row.ciphertext = ciphertext
