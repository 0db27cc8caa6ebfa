"""Operators through the real service (factories), browsers as separate HTTP clients with their
own cookie jars and addresses, and the `gridlink` entry point called in-process."""

from __future__ import annotations

import asyncio
import contextlib
import io
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pyotp
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from gridlink import Settings
from gridlink.kit.clock import ManualClock
from gridlink.kit.db import Database
from gridlink.models import OperatorAuditEntry
from gridlink.operators import service
from gridlink.operators.principal import Role
from tests.conftest import TEST_MASTER_KEYS

PASSWORD = "correct horse battery staple"
SESSION = "/dashboard/api/session"

Cli = Callable[..., "CliResult"]
Browser = Callable[..., contextlib.AbstractAsyncContextManager[httpx.AsyncClient]]


async def make_operator(
    app: FastAPI,
    email: str = "ana@example.com",
    role: Role = Role.ADMIN,
    clients: list[str] | None = None,
    password: str = PASSWORD,
) -> service.OperatorView:
    db: Database = app.state.db
    async with db.transaction() as session:
        return await service.create_operator(
            session, app.state.clock, email, role, clients, password
        )


async def enable_totp(app: FastAPI, email: str = "ana@example.com") -> str:
    db: Database = app.state.db
    async with db.transaction() as session:
        enabled = await service.enable_totp(
            session, app.state.clock, app.state.response_keyring, email
        )
    return enabled.secret


def code_at(secret: str, clock: ManualClock) -> str:
    return pyotp.TOTP(secret).at(clock.now())


@pytest.fixture
def browser(app: FastAPI) -> Browser:
    """A browser: its own cookie jar, calling from ``ip``."""

    @contextlib.asynccontextmanager
    async def open_browser(
        ip: str = "203.0.113.7", base_url: str = "http://testserver"
    ) -> AsyncIterator[httpx.AsyncClient]:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=(ip, 50000))
        async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
            yield client

    return open_browser


async def sign_in(
    client: httpx.AsyncClient,
    email: str = "ana@example.com",
    password: str = PASSWORD,
    totp_code: str | None = None,
) -> httpx.Response:
    body: dict[str, Any] = {"email": email, "password": password}
    if totp_code is not None:
        body["totp_code"] = totp_code
    return await client.post(SESSION, json=body, headers={"User-Agent": "test-browser/1.0"})


async def signed_in(client: httpx.AsyncClient, email: str = "ana@example.com") -> str:
    """Sign ``client`` in; its CSRF token."""
    response = await sign_in(client, email)
    assert response.status_code == 200, response.text
    token: str = response.json()["csrf_token"]
    return token


async def audit_rows(app: FastAPI) -> list[OperatorAuditEntry]:
    db: Database = app.state.db
    async with db.transaction(write=False) as session:
        rows = await session.scalars(select(OperatorAuditEntry).order_by(OperatorAuditEntry.id))
        return list(rows.all())


@dataclass
class CliResult:
    code: int
    out: str
    err: str


@pytest.fixture
def gridlink_cli(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Callable[..., CliResult]:
    """``gridlink ARGS`` through ``gridlink.cli.main``, in this process, on the test database;
    ``stdin`` is what the command reads."""
    assert settings.database_url is not None
    monkeypatch.setenv("GRIDLINK_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("GRIDLINK_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("GRIDLINK_MASTER_KEYS", TEST_MASTER_KEYS)
    monkeypatch.setenv("GRIDLINK_LOG_LEVEL", "warning")

    def run(*args: str, stdin: str = "") -> CliResult:
        from gridlink.cli import main

        out, err = io.StringIO(), io.StringIO()
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as exc:  # argparse
                code = int(exc.code or 0)
        return CliResult(code, out.getvalue(), err.getvalue())

    return run


async def in_thread(run: Callable[..., CliResult], *args: str, stdin: str = "") -> CliResult:
    """The CLI runs its own event loop (asyncio.run): from an async test, in a thread."""
    return await asyncio.to_thread(run, *args, stdin=stdin)
