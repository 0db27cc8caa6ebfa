"""`gridlink clients update`, run for real as a subprocess: origins, redirect URIs, name, logo
and colour change in place, with create's checks; refusals are one line and change nothing; a
change reaches a running app at once; the API's refusals point at this command."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from gridlink.clients import service
from gridlink.clients.service import ClientChanges
from gridlink.kit.clock import Clock
from gridlink.kit.db import Database
from tests.attempts.flows import connect_token
from tests.credentials.helpers import add_credential
from tests.factories import assert_error, make_client
from tests.test_cli import _env, run

HOST = "https://app.acme.example"
STAGING = "https://staging.acme.example"


def _create(env: dict[str, str], *extra: str) -> str:
    created = run(["clients", "create", "Acme", "--origin", HOST, *extra, "--json"], env)
    assert created.returncode == 0, created.stderr
    client_id: str = json.loads(created.stdout)["client_id"]
    return client_id


def _listed(env: dict[str, str]) -> dict[str, Any]:
    [client] = json.loads(run(["clients", "list", "--json"], env).stdout)
    return dict(client)


def _update(env: dict[str, str], client_id: str, *args: str) -> dict[str, Any]:
    done = run(["clients", "update", client_id, *args, "--json"], env)
    assert done.returncode == 0, done.stderr
    changed: dict[str, Any] = json.loads(done.stdout)
    return changed


def test_update_changes_a_client_in_place(db_url: str, tmp_path: Path) -> None:
    env = _env(tmp_path, db_url)
    client_id = _create(env)
    before = _listed(env)

    changed = _update(
        env,
        client_id,
        "--name",
        "  Acme Energy Insights ",
        "--add-origin",
        STAGING,
        "--add-origin",
        HOST,  # already there: kept once
        "--add-redirect-uri",
        "https://app.acme.example/done",
        "--logo-url",
        "https://cdn.acme.example/logo.svg",
        "--accent-color",
        "#0B6E4F",
    )
    assert changed["client_id"] == client_id
    assert changed["name"] == "Acme Energy Insights"
    assert changed["allowed_origins"] == [HOST, STAGING]
    assert changed["redirect_uris"] == ["https://app.acme.example/done"]
    assert changed["logo_url"] == "https://cdn.acme.example/logo.svg"
    assert changed["accent_color"] == "#0b6e4f"
    # Identity and secrets stay.
    assert (changed["environment"], changed["created_at"]) == (
        before["environment"],
        before["created_at"],
    )
    assert changed["active_secrets"] == 1

    changed = _update(
        env,
        client_id,
        "--remove-origin",
        HOST,
        "--remove-redirect-uri",
        "https://app.acme.example/done",
        "--no-logo-url",
        "--no-accent-color",
    )
    assert changed["allowed_origins"] == [STAGING]
    assert changed["redirect_uris"] == []
    assert (changed["logo_url"], changed["accent_color"]) == (None, None)
    assert changed["name"] == "Acme Energy Insights"  # untouched when not named
    assert _listed(env) == changed  # what it prints is what is stored

    text = run(["clients", "update", client_id, "--name", "Acme"], env)
    assert text.returncode == 0, text.stderr
    assert f"client_id:     {client_id}" in text.stdout
    assert f"origins:       {STAGING}" in text.stdout


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        (ClientChanges(), "nothing to change"),
        (ClientChanges(add_origins=["https://App.acme.example"]), "lower-case"),
        (ClientChanges(add_origins=[HOST + "/"]), "nothing after it"),
        (
            ClientChanges(remove_origins=[STAGING]),
            f"'{STAGING}' is not one of this client's origins (it has: {HOST})",
        ),
        (ClientChanges(remove_origins=[HOST]), "at least one origin"),
        (
            ClientChanges(add_origins=[STAGING], remove_origins=[STAGING]),
            "both added and removed",
        ),
        (ClientChanges(add_redirect_uris=[HOST + "/cb#x"]), "fragment"),
        (
            ClientChanges(remove_redirect_uris=[HOST + "/cb"]),
            "not one of this client's redirect URIs (it has: none)",
        ),
        (ClientChanges(accent_color="blue"), "#1a73e8"),
        (ClientChanges(logo_url="ftp://cdn.acme.example/logo.png"), "http(s) image URL"),
        (ClientChanges(logo_url="http://cdn.acme.example/logo.png"), "https"),
        (ClientChanges(name=" "), "1 to 100 characters"),
        (ClientChanges(name="x" * 101), "1 to 100 characters"),
        # A good change next to a bad one is not applied either.
        (ClientChanges(name="New", add_origins=["http://staging.acme.example"]), "https"),
    ],
)
async def test_bad_changes_are_refused_and_change_nothing(
    app: FastAPI, db: Database, clock: Clock, changes: ClientChanges, says: str
) -> None:
    """The rules, in-process on both databases (the command's wiring is tested below)."""
    client = await make_client(app, origins=[HOST], environment="live")
    async with db.transaction() as session:
        before = await service.list_clients(session, clock)
    with pytest.raises(service.ClientError, match=re.escape(says)):
        async with db.transaction() as session:
            await service.update_client(session, clock, client.id, changes)
    async with db.transaction() as session:
        assert await service.list_clients(session, clock) == before


@pytest.mark.parametrize(
    "origin", ["http://localhost:3000", "http://127.0.0.1:8080", "http://[::1]:5173"]
)
async def test_a_live_client_may_name_a_local_http_origin(
    app: FastAPI, db: Database, clock: Clock, origin: str
) -> None:
    """As documented: live clients need https, localhost excepted (with a port too)."""
    client = await make_client(app, origins=[HOST], environment="live")
    async with db.transaction() as session:
        changed = await service.update_client(
            session, clock, client.id, ClientChanges(add_origins=[origin])
        )
    assert origin in changed.allowed_origins
    assert await make_client(app, origins=[origin], environment="live")


def test_a_refusal_from_the_command_is_one_line(tmp_path: Path) -> None:
    """What is refused and that nothing changes: the in-process tests above."""
    env = _env(tmp_path)
    client_id = _create(env)
    refused = run(["clients", "update", client_id, "--remove-origin", HOST], env)
    assert refused.returncode == 2
    assert refused.stdout == ""
    assert refused.stderr.count("\n") == 1, refused.stderr
    assert refused.stderr.startswith("gridlink clients: error: a client needs at least one origin")


def test_a_logo_cannot_be_set_and_removed_at_once(tmp_path: Path) -> None:
    args = ["--logo-url", "https://a.example/l.png", "--no-logo-url"]
    result = run(["clients", "update", "cli_x", *args], _env(tmp_path))
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "not allowed with argument" in result.stderr


def test_an_unknown_client_is_named(tmp_path: Path) -> None:
    refused = run(["clients", "update", "cli_nope", "--name", "X"], _env(tmp_path))
    assert refused.returncode == 2
    assert "no client 'cli_nope'" in refused.stderr
    assert "clients list" in refused.stderr


async def _frame(api: httpx.AsyncClient, token: str, origin: str) -> httpx.Response:
    return await api.post(
        "/connect/api/frames", json={"connect_token": token}, headers={"Origin": origin}
    )


async def test_an_origin_added_from_the_cli_opens_connect_at_once(
    app: FastAPI, api: httpx.AsyncClient, settings_env: dict[str, str]
) -> None:
    """The refusal names the command that fixes it; running it against the same database makes
    the very same token open from the new origin, with no restart."""
    client = await make_client(app, origins=[HOST])
    token = await connect_token(api, client, client_user_id="u1")
    refused = assert_error(await _frame(api, token, STAGING), 403, "forbidden")
    command = f"gridlink clients update {client.id} --add-origin"
    assert command in str(refused["message"])

    env = {**_env(Path(settings_env["GRIDLINK_DATA_DIR"])), **settings_env}
    _update(env, client.id, "--add-origin", STAGING)
    opened = await _frame(api, token, STAGING)
    assert opened.status_code == 200, opened.text
    page = await api.get("/connect/frame", params={"client": client.id})
    assert STAGING in page.headers["content-security-policy"]

    _update(env, client.id, "--remove-origin", HOST)
    again = await connect_token(api, client, client_user_id="u2")
    assert_error(await _frame(api, again, HOST), 403, "forbidden")
    page = await api.get("/connect/frame", params={"client": client.id})
    assert HOST not in page.headers["content-security-policy"]


async def test_the_apis_refusals_point_at_clients_update(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app, origins=[HOST])
    bare = await api.post(
        "/v1/widget_url",
        json={"client_user_id": "u1", "target_origin": STAGING},
        auth=client.auth,
    )
    error = assert_error(bare, 422, "invalid_request")
    assert f"gridlink clients update {client.id} --add-origin" in str(error["message"])
    token = await api.post(
        "/v1/auth/connect_token",
        json={"client_user_id": "u1", "redirect_uri": "https://app.acme.example/done"},
        auth=client.auth,
    )
    error = assert_error(token, 422, "invalid_request")
    assert f"gridlink clients update {client.id} --add-redirect-uri" in str(error["message"])
    credential_id = await add_credential(app, client)
    link = await api.post(
        f"/v1/utility_credentials/{credential_id}/connect_link",
        json={"redirect_uri": "https://app.acme.example/done"},
        auth=client.auth,
    )
    error = assert_error(link, 422, "invalid_request")
    assert f"gridlink clients update {client.id} --add-redirect-uri" in str(error["message"])
