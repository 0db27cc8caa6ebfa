"""Operators' sealed TOTP keys and key rotation: `gridlink keys retire` refuses a key that still
seals one (retiring it would lock those operators out); enabling TOTP again moves it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager

from gridlink import Settings, cli_keys, create_app
from gridlink.kit.clock import ManualClock
from gridlink.kit.keyring import add_primary_key, key_file_path
from tests.operators.conftest import code_at, enable_totp, make_operator, sign_in


async def test_retire_refuses_a_key_sealing_an_operators_totp_key(
    db_url: str, tmp_path: Path, clock: ManualClock, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(
        database_url=db_url, data_dir=tmp_path / "data", migrate_on_start=False, run_worker=False
    )
    app = create_app(settings, clock=clock)
    async with LifespanManager(app):
        await make_operator(app)
        await enable_totp(app)
        old_id = app.state.response_keyring.primary_id
        add_primary_key(key_file_path(settings.data_dir))  # rotated

        assert await asyncio.to_thread(cli_keys.retire, settings, old_id) == 2
        assert "operator TOTP keys: 1" in capsys.readouterr().err

        secret = await enable_totp(app)  # sealed under the new primary now
        assert await asyncio.to_thread(cli_keys.retire, settings, old_id) == 0
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            response = await sign_in(client, totp_code=code_at(secret, clock))
        assert response.status_code == 200, response.text
