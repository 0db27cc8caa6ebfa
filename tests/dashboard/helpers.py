"""Operators for dashboard tests: made through the operators service, signed in through the real
dashboard API; each gets its own HTTP client (its own cookie jar) that sends its CSRF token."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI

from gridlink.kit.clock import Clock
from gridlink.kit.db import Database
from gridlink.kit.ids import new_id
from gridlink.operators import service as operators
from gridlink.operators.principal import Role

PASSWORD = "correct horse battery staple"


async def make_operator(
    app: FastAPI, role: Role, clients: Sequence[str] | None = None, email: str | None = None
) -> str:
    db: Database = app.state.db
    clock: Clock = app.state.clock
    email = email or f"{role.value}-{new_id('x')[-8:].lower()}@example.com"
    async with db.transaction() as session:
        await operators.create_operator(
            session, clock, email, role, None if clients is None else list(clients), PASSWORD
        )
    return email


@asynccontextmanager
async def signed_in(
    app: FastAPI, role: Role, clients: Sequence[str] | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client signed in as a new operator with ``role``, sending its CSRF token."""
    email = await make_operator(app, role, clients)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as api:
        response = await api.post(
            "/dashboard/api/session", json={"email": email, "password": PASSWORD}
        )
        assert response.status_code == 200, response.text
        api.headers["X-CSRF-Token"] = response.json()["csrf_token"]
        yield api


async def get_json(api: httpx.AsyncClient, path: str, **params: Any) -> Any:
    response = await api.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()
