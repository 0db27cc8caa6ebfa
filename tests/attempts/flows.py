"""Drive Connect through its HTTP API, as the widget does."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from tests.factories import TestClient

FINISHED = {"verified", "rejected", "timeout", "error", "pending", "cancelled"}


@dataclass
class WidgetSession:
    api: httpx.AsyncClient
    bearer: str
    data: dict[str, Any]

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.bearer}"}

    async def post(self, path: str, json: dict[str, Any] | None = None) -> httpx.Response:
        return await self.api.post(f"/connect/api{path}", json=json, headers=self.headers)

    async def upload(self, content: bytes, name: str = "usage.csv") -> httpx.Response:
        """A Green Button file, as Connect's upload screen sends it."""
        files = {"file": (name, content, "application/octet-stream")}
        return await self.api.post("/connect/api/files", files=files, headers=self.headers)

    async def get(self, path: str, **params: Any) -> httpx.Response:
        return await self.api.get(f"/connect/api{path}", params=params, headers=self.headers)

    async def submit(self, username: str, password: str = "pass_good") -> dict[str, Any]:
        response = await self.post("/attempts", {"username": username, "password": password})
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def follow(
        self, attempt: dict[str, Any], until: set[str] | None = None, rounds: int = 40
    ) -> dict[str, Any]:
        """Long-poll until the attempt reaches one of ``until`` (default: finished)."""
        until = until or FINISHED
        for _ in range(rounds):
            if attempt["status"] in until:
                return attempt
            response = await self.get(
                f"/attempts/{attempt['id']}", after_seq=attempt["seq"], wait=5
            )
            assert response.status_code == 200, response.text
            attempt = dict(response.json())
        raise AssertionError(f"attempt stuck in {attempt['status']}")


async def connect_token(api: httpx.AsyncClient, client: TestClient, **body: Any) -> str:
    response = await api.post("/v1/auth/connect_token", json=body, auth=client.auth)
    assert response.status_code == 200, response.text
    return str(response.json()["connect_token"])


async def open_session(
    api: httpx.AsyncClient, token: str, *, consent: bool = True, link: bool = False
) -> WidgetSession:
    key = "connect_link_token" if link else "connect_token"
    response = await api.post("/connect/api/sessions", json={key: token})
    assert response.status_code == 200, response.text
    body = response.json()
    widget = WidgetSession(api, body["session_token"], body["session"])
    if consent and widget.data["step"] == "consent":
        consented = await widget.post(
            "/session/consent", {"consent_version": widget.data["consent_version"]}
        )
        assert consented.status_code == 200, consented.text
        widget.data = consented.json()
    return widget


async def sign_in(
    api: httpx.AsyncClient,
    client: TestClient,
    username: str,
    password: str = "pass_good",
    *,
    user: str = "user-1",
    utility_id: str = "sandbox_electric",
) -> tuple[WidgetSession, dict[str, Any]]:
    token = await connect_token(api, client, client_user_id=user, utility_id=utility_id)
    widget = await open_session(api, token)
    attempt = await widget.submit(username, password)
    return widget, await widget.follow(attempt, FINISHED | {"mfa_method", "mfa_code"})
