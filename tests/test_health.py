from __future__ import annotations

from pathlib import Path

import httpx
from asgi_lifespan import LifespanManager

from gridlink import Settings, create_app
from tests.conftest import TEST_MASTER_KEYS


async def test_healthz_and_readyz(api: httpx.AsyncClient) -> None:
    assert (await api.get("/healthz")).json() == {"status": "ok"}
    ready = await api.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready"}


async def test_readyz_refuses_an_unmigrated_database(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}",
        data_dir=tmp_path,
        migrate_on_start=False,
        run_worker=False,
        master_keys=TEST_MASTER_KEYS,  # type: ignore[arg-type]
    )
    app = create_app(settings)
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as api:
            response = await api.get("/readyz")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "migrations_pending"
    assert "gridlink migrate" in response.json()["error"]["message"]


async def test_migrations_apply_at_start_up(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "fresh", run_worker=False)
    app = create_app(settings)
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as api:
            assert (await api.get("/readyz")).status_code == 200
    assert (tmp_path / "fresh" / "gridlink.db").exists()
    key_file = tmp_path / "fresh" / "master.keys"
    assert key_file.stat().st_mode & 0o777 == 0o600
