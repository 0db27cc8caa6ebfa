"""The file sweeper removes bill PDFs no statement points at, and only those (both databases)."""

from __future__ import annotations

import os
import time
from datetime import timedelta
from pathlib import Path

import httpx
from fastapi import FastAPI

from gridlink.connectors.sandbox import statements as sandbox_statements
from gridlink.data import service
from gridlink.data.files import FileStore
from gridlink.data.sweeper import FileSweeper
from gridlink.kit.clock import ManualClock
from gridlink.kit.db import Database
from tests.data.helpers import sandbox_meter, seed
from tests.factories import TestClient, make_client


def _age(files: FileStore, name: str, hours: float) -> None:
    then = time.time() - hours * 3600
    os.utime(files.path(name), (then, then))


async def _store_bills(
    app: FastAPI, files: FileStore, client_user_id: str
) -> tuple[TestClient, str, str]:
    """A credential with one stored statement and its PDF: (client, credential id, file name)."""
    db: Database = app.state.db
    clock: ManualClock = app.state.clock
    client = await make_client(app)
    seeded = await seed(app, client, client_user_id)
    meter = sandbox_meter()
    [period] = sandbox_statements.periods(meter, clock.now().date(), months=1)
    fetched = [sandbox_statements.statement(meter, period, header=(client_user_id, "Bill"))]
    pdfs = await service.fetch_pdfs(fetched)
    async with db.transaction() as session:
        await service.upsert_statements(session, clock, files, seeded.meter_id, fetched, pdfs)
    [name] = files.names_older_than(-60)  # every file, however new
    return client, seeded.credential_id, name


async def test_unreferenced_old_files_go_referenced_and_fresh_ones_stay(
    app: FastAPI, db: Database, tmp_path: Path
) -> None:
    files = FileStore(tmp_path / "files")
    _, _, kept = await _store_bills(app, files, "keeps-bills")
    orphan = files.put(b"%PDF-1.4 left by a sync that rolled back")
    fresh = files.put(b"%PDF-1.4 written by a sync that has not committed yet")
    for name in (kept, orphan):
        _age(files, name, hours=2)
    sweeper = FileSweeper(db, files, grace=timedelta(hours=1))

    assert await sweeper.sweep() == 1
    assert not files.exists(orphan)
    assert files.exists(kept)  # a statement points at it
    assert files.exists(fresh)  # younger than the grace period


async def test_a_deleted_credentials_bills_are_removed(
    app: FastAPI, api: httpx.AsyncClient, db: Database, tmp_path: Path
) -> None:
    files = FileStore(tmp_path / "files")
    client, credential_id, name = await _store_bills(app, files, "deletes-bills")
    _age(files, name, hours=2)
    sweeper = FileSweeper(db, files, grace=timedelta(hours=1))
    assert await sweeper.sweep() == 0  # still referenced

    deleted = await api.delete(f"/v1/utility_credentials/{credential_id}", auth=client.auth)
    assert deleted.status_code == 204, deleted.text
    assert await sweeper.sweep() == 1
    assert not files.exists(name)
