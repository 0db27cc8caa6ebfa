"""Every dashboard API route refuses who may not call it — enumerated from the app's own routes,
so a route added later is checked without a line here: no session → 401; a change without the
CSRF token → 403 csrf_failed; a viewer changing anything, or support managing clients and
endpoints → 403 forbidden. Nothing changes on a refusal (both databases)."""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute

from gridlink import create_app
from gridlink.config import Settings
from gridlink.operators.principal import Role
from tests.dashboard.helpers import signed_in
from tests.factories import assert_error

# Routes that are not behind an operator's session (signing in itself).
OPEN = {("POST", "/dashboard/api/session"), ("GET", "/dashboard/api/session")}
# Changes only admins make: clients, and webhook endpoints other than sending a test.
ADMIN_CHANGES = re.compile(
    r"^/dashboard/api/(clients|webhook_endpoints$|webhook_endpoints/[^/]+/(disable|enable|rotate_secret)$)"
)
AN_ID = "ucr_01JD3Q2V7S9X8Y6Z5W4V3U2T1S"


def _routes() -> list[tuple[str, str]]:
    app = create_app(Settings(run_worker=False))
    found = []
    for route in app.routes:
        if isinstance(route, APIRoute) and route.path.startswith("/dashboard/api"):
            for method in sorted(route.methods - {"HEAD"}):
                if (method, route.path) not in OPEN:
                    found.append((method, route.path))
    return sorted(found)


ROUTES = _routes()
CHANGES = [(m, p) for m, p in ROUTES if m != "GET"]


def _url(path: str) -> str:
    return re.sub(r"\{[^}]+\}", AN_ID, path)


def test_the_enumeration_found_the_dashboard_api() -> None:
    assert ("GET", "/dashboard/api/credentials") in ROUTES
    assert ("POST", "/dashboard/api/credentials/{credential_id}/connect") in CHANGES
    assert len(CHANGES) >= 15


@pytest.mark.parametrize(("method", "path"), ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
async def test_without_a_session_every_route_answers_401(
    api: httpx.AsyncClient, method: str, path: str
) -> None:
    response = await api.request(method, _url(path), json={})
    assert_error(response, 401, "unauthorized")


@pytest.mark.parametrize(("method", "path"), CHANGES, ids=[f"{m} {p}" for m, p in CHANGES])
async def test_a_change_without_the_csrf_token_is_refused(
    app: FastAPI, method: str, path: str
) -> None:
    async with signed_in(app, Role.ADMIN) as api:
        token = api.headers.pop("X-CSRF-Token")
        assert_error(await api.request(method, _url(path), json={}), 403, "csrf_failed")
        api.headers["X-CSRF-Token"] = token[::-1]
        assert_error(await api.request(method, _url(path), json={}), 403, "csrf_failed")


@pytest.mark.parametrize(("method", "path"), CHANGES, ids=[f"{m} {p}" for m, p in CHANGES])
async def test_a_viewer_changes_nothing(app: FastAPI, method: str, path: str) -> None:
    async with signed_in(app, Role.VIEWER) as api:
        assert_error(await api.request(method, _url(path), json={}), 403, "forbidden")


ADMIN_ROUTES = [
    (m, p)
    for m, p in ROUTES
    if p.startswith("/dashboard/api/audit") or (m != "GET" and ADMIN_CHANGES.search(p))
]


@pytest.mark.parametrize(
    ("method", "path"), ADMIN_ROUTES, ids=[f"{m} {p}" for m, p in ADMIN_ROUTES]
)
async def test_support_cannot_manage_clients_endpoints_or_read_the_audit(
    app: FastAPI, method: str, path: str
) -> None:
    async with signed_in(app, Role.SUPPORT) as api:
        assert_error(await api.request(method, _url(path), json={}), 403, "forbidden")
