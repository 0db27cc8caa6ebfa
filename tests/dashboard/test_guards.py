"""Every dashboard API route refuses who may not call it — enumerated from the app's own routes,
so a route added later is checked without a line here: no session → 401; a change without the
CSRF token → 403 csrf_failed; a viewer changing anything, or support managing clients and
endpoints → 403 forbidden. Nothing changes on a refusal (both databases)."""

from __future__ import annotations

import re

import httpx
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts

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
    for route in iter_route_contexts(app.routes):
        path = route.path_format
        if path.startswith("/dashboard/api"):
            for method in sorted(set(route.methods or ()) - {"HEAD"}):
                if (method, path) not in OPEN:
                    found.append((method, path))
    return sorted(found)


ROUTES = _routes()
CHANGES = [(m, p) for m, p in ROUTES if m != "GET"]
SIGN_OUT = ("DELETE", "/dashboard/api/session")  # every role may end its own session
VIEWER_REFUSED = [route for route in CHANGES if route != SIGN_OUT]
ADMIN_ROUTES = [
    (m, p)
    for m, p in ROUTES
    if p.startswith(("/dashboard/api/audit", "/dashboard/api/operators"))
    or (m != "GET" and ADMIN_CHANGES.search(p))
]


def _url(path: str) -> str:
    return re.sub(r"\{[^}]+\}", AN_ID, path)


def test_the_enumeration_found_the_dashboard_api() -> None:
    assert ("GET", "/dashboard/api/credentials") in ROUTES
    assert ("POST", "/dashboard/api/credentials/{credential_id}/connect") in CHANGES
    assert len(CHANGES) >= 15
    assert len(ADMIN_ROUTES) >= 8


async def _refusals(
    api: httpx.AsyncClient, routes: list[tuple[str, str]], status: int, code: str
) -> list[str]:
    """The routes that did not answer ``status`` ``code`` (one operator, every route: each
    sign-in hashes a password with Argon2id, which is slow on purpose)."""
    wrong = []
    for method, path in routes:
        response = await api.request(method, _url(path), json={})
        try:
            assert_error(response, status, code)
        except AssertionError:
            wrong.append(f"{method} {path}: {response.status_code} {response.text[:120]}")
    return wrong


async def test_without_a_session_every_route_answers_401(api: httpx.AsyncClient) -> None:
    assert await _refusals(api, ROUTES, 401, "unauthorized") == []


async def test_a_change_without_the_csrf_token_is_refused(app: FastAPI) -> None:
    async with signed_in(app, Role.ADMIN) as api:
        token = api.headers.pop("X-CSRF-Token")
        assert await _refusals(api, CHANGES, 403, "csrf_failed") == []
        api.headers["X-CSRF-Token"] = token[::-1]
        assert await _refusals(api, CHANGES, 403, "csrf_failed") == []


async def test_a_viewer_changes_nothing(app: FastAPI) -> None:
    async with signed_in(app, Role.VIEWER) as api:
        assert await _refusals(api, VIEWER_REFUSED, 403, "forbidden") == []
        # Still signed in, and reading works.
        assert (await api.get("/dashboard/api/overview")).status_code == 200


async def test_support_cannot_manage_clients_endpoints_or_read_the_audit(app: FastAPI) -> None:
    async with signed_in(app, Role.SUPPORT) as api:
        assert await _refusals(api, ADMIN_ROUTES, 403, "forbidden") == []
        assert (await api.get("/dashboard/api/overview")).status_code == 200
