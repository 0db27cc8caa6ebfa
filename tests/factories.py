"""Plain factory functions: build real rows through the real services."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from fastapi import FastAPI

from gridlink.clients.service import NewClient, create_client
from gridlink.kit.clock import Clock
from gridlink.kit.db import Database
from gridlink.kit.ids import new_id
from gridlink.models import UtilityCredential
from gridlink.users.repository import UserRepository


@dataclass(frozen=True)
class TestClient:
    __test__ = False  # not a pytest test class

    id: str
    secret: str

    @property
    def auth(self) -> httpx.BasicAuth:
        return httpx.BasicAuth(self.id, self.secret)


async def make_client(
    app: FastAPI,
    *,
    name: str = "Acme Energy",
    environment: str = "sandbox",
    origins: list[str] | None = None,
    redirect_uris: list[str] | None = None,
    logo_url: str | None = None,
    accent_color: str | None = None,
) -> TestClient:
    db: Database = app.state.db
    clock: Clock = app.state.clock
    spec = NewClient(
        name,
        origins or ["https://app.acme.example"],
        redirect_uris or [],
        environment,
        logo_url,
        accent_color,
    )
    async with db.transaction() as session:
        created = await create_client(session, clock, spec)
    return TestClient(created.client_id, created.client_secret)


async def make_credential(
    app: FastAPI,
    client: TestClient,
    client_user_id: str,
    utility_id: str = "sandbox_electric",
    status: str = "verified",
) -> str:
    """A utility credential row (the connection engine will create these for real)."""
    db: Database = app.state.db
    clock: Clock = app.state.clock
    now = clock.now()
    async with db.transaction() as session:
        user = await UserRepository(session).get_or_create(client.id, client_user_id, now)
        credential = UtilityCredential(
            id=new_id("ucr"),
            client_id=client.id,
            user_id=user.id,
            utility_id=utility_id,
            status=status,
            status_detail=None,
            created_at=now,
            updated_at=now,
        )
        session.add(credential)
    return credential.id


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, object]:
    """The shape every API error must have; returns the error object."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert error["code"] == code
    assert isinstance(error["message"], str)
    assert len(error["message"]) > 20
    assert error["request_id"] == response.headers["x-request-id"]
    assert error["request_id"].startswith("req_")
    return dict(error)
