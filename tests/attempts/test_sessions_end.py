"""Revoking a connect link, or deleting its credential or end user, ends the sessions opened from
it; update mode keeps a credential's own login (issue 11 item 1).

The sandbox plays the utility; one scenario needs a utility where two usernames reach the same
account (a changed username): ``AliasSandbox`` fakes that at the utility's edge.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from gridlink import Settings
from gridlink.attempts.limits import username_hash
from gridlink.connectors.base import ConnectorSession, Credentials, SessionToken
from gridlink.connectors.registry import default_registry
from gridlink.connectors.sandbox.connector import SandboxConnector
from gridlink.kit.clock import ManualClock
from gridlink.models import ConnectionAttempt, Event, UtilityAccount, UtilityCredential
from gridlink.worker.registry import sandbox_settings
from tests.attempts.flows import WidgetSession, connect_token, open_session, sign_in
from tests.factories import TestClient, assert_error, make_client
from tests.lifespan import running_with_connectors
from tests.sync.helpers import wait_until_synced

ALIAS = "renamed_good"  # the utility knows this username as user_good's new name


class AliasSandbox(SandboxConnector):
    """The sandbox, where ``renamed_good`` is ``user_good`` after a username change."""

    async def login(
        self, credentials: Credentials, *, session_token: SessionToken | None = None
    ) -> ConnectorSession:
        if credentials.username == ALIAS:
            credentials = Credentials("user_good", credentials.password)
        return await super().login(credentials, session_token=session_token)


@pytest.fixture
async def app(
    settings: Settings, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[FastAPI]:
    sandbox = AliasSandbox.with_settings(sandbox_settings(settings))
    registry = default_registry(builtins=[sandbox], discover=False)
    async with running_with_connectors(settings, clock, monkeypatch, lambda _s: registry) as app:
        yield app


async def make_link(
    api: httpx.AsyncClient, client: TestClient, credential_id: str
) -> tuple[str, str]:
    """(link id, link token) of a new connect link for the credential."""
    response = await api.post(
        f"/v1/utility_credentials/{credential_id}/connect_link", auth=client.auth
    )
    assert response.status_code == 201, response.text
    return response.json()["id"], response.json()["url"].split("#token=", 1)[1]


async def credential_row(app: FastAPI, credential_id: str) -> UtilityCredential | None:
    async with app.state.db.transaction(write=False) as session:
        return await session.get(UtilityCredential, credential_id, populate_existing=True)


async def account_numbers(app: FastAPI, credential_id: str) -> set[str]:
    async with app.state.db.transaction(write=False) as session:
        rows = await session.scalars(
            select(UtilityAccount.number).where(UtilityAccount.credential_id == credential_id)
        )
        return set(rows.all())


async def events_of(app: FastAPI, credential_id: str) -> int:
    """The credential's status and account events (its syncs add their own meanwhile)."""
    async with app.state.db.transaction(write=False) as session:
        count = await session.scalar(
            select(func.count())
            .select_from(Event)
            .where(
                Event.utility_credential_id == credential_id,
                Event.type.like("utility_credential_%")
                | (Event.type == "utility_accounts_discovered"),
            )
        )
    return int(count or 0)


async def attempt_row(app: FastAPI, attempt_id: str) -> ConnectionAttempt | None:
    async with app.state.db.transaction(write=False) as session:
        return await session.get(ConnectionAttempt, attempt_id, populate_existing=True)


async def until_finished(app: FastAPI, attempt_id: str) -> ConnectionAttempt | None:
    """The attempt once the worker finished it (or None once it is gone), read from the
    database: its widget session may no longer read it."""
    for _ in range(200):
        row = await attempt_row(app, attempt_id)
        if row is None or row.status in ("verified", "rejected", "timeout", "error", "cancelled"):
            return row
        await asyncio.sleep(0.05)
    raise AssertionError("the attempt did not finish")


async def verified_credential(
    app: FastAPI, api: httpx.AsyncClient, client: TestClient, username: str, user: str = "victim"
) -> str:
    _widget, attempt = await sign_in(api, client, username, user=user)
    finished = await until_finished(app, attempt["id"])  # user_slow goes through pending
    assert finished is not None
    assert finished.status == "verified"
    # The first backfill changes the status detail and writes events: let it end, so what a
    # test compares before and after is changed by nothing but what it does.
    await wait_until_synced(api, client, finished.credential_id)
    return finished.credential_id


async def test_a_revoked_link_ends_the_session_it_opened(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    """The reproduction from the review: open a link, revoke it, then sign in to another login
    in the session that was already open."""
    client = await make_client(app)
    credential_id = await verified_credential(app, api, client, "user_good")
    before = (await credential_row(app, credential_id), await account_numbers(app, credential_id))
    link_id, link = await make_link(api, client, credential_id)
    widget = await open_session(api, link, link=True)
    assert (await api.delete(f"/v1/connect_links/{link_id}", auth=client.auth)).status_code == 204

    submitted = await widget.post(
        "/attempts", {"username": "user_good+attacker", "password": "pass_good"}
    )
    assert_error(submitted, 401, "token_invalid")
    assert_error(await widget.get("/session"), 401, "token_invalid")
    after = await credential_row(app, credential_id)
    assert after is not None
    assert before[0] is not None
    assert (after.status, after.verified_at) == (before[0].status, before[0].verified_at)
    assert await account_numbers(app, credential_id) == before[1]
    reopened = await api.post("/connect/api/sessions", json={"connect_link_token": link})
    assert_error(reopened, 401, "token_invalid")


async def test_a_sign_in_running_when_its_link_is_revoked_does_not_verify(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app)
    credential_id = await verified_credential(app, api, client, "user_slow")
    verified_at = (await credential_row(app, credential_id)).verified_at  # type: ignore[union-attr]
    events = await events_of(app, credential_id)
    link_id, link = await make_link(api, client, credential_id)
    widget = await open_session(api, link, link=True)
    attempt = await widget.submit("user_slow")  # the utility takes a while
    assert (await api.delete(f"/v1/connect_links/{link_id}", auth=client.auth)).status_code == 204

    ended = await until_finished(app, attempt["id"])
    assert ended is not None
    assert (ended.status, ended.status_detail) == ("cancelled", "SESSION_ENDED")
    assert ended.authorization_code_hash is None
    row = await credential_row(app, credential_id)
    assert row is not None
    assert row.verified_at == verified_at
    assert await events_of(app, credential_id) == events  # no verified event, no webhook
    listed = await api.get(
        f"/v1/utility_credentials/{credential_id}/connect_links", auth=client.auth
    )
    assert [link["status"] for link in listed.json()["data"]] == ["revoked"]


async def test_deleting_the_credential_ends_its_sessions_and_a_running_sign_in(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app)
    credential_id = await verified_credential(app, api, client, "user_slow")
    token = await connect_token(api, client, utility_credential_id=credential_id)
    widget = await open_session(api, token)
    _link_id, link = await make_link(api, client, credential_id)
    by_link = await open_session(api, link, link=True)
    attempt = await widget.submit("user_slow")
    deleted = await api.delete(f"/v1/utility_credentials/{credential_id}", auth=client.auth)
    assert deleted.status_code == 204

    for session in (widget, by_link):
        assert_error(await session.get("/session"), 401, "token_invalid")
    assert await until_finished(app, attempt["id"]) is None
    await asyncio.sleep(0.1)  # nothing comes back once the worker is done with it
    assert await credential_row(app, credential_id) is None
    assert await account_numbers(app, credential_id) == set()


async def test_deleting_the_end_user_ends_their_sessions(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app)
    token = await connect_token(
        api, client, client_user_id="leaving", utility_id="sandbox_electric"
    )
    widget = await open_session(api, token)
    attempt = await widget.submit("user_slow")
    assert (await api.delete("/v1/users/leaving", auth=client.auth)).status_code == 204
    assert_error(await widget.get("/session"), 401, "token_invalid")
    assert await until_finished(app, attempt["id"]) is None
    listed = await api.get("/v1/utility_credentials", auth=client.auth)
    assert listed.json()["data"] == []
    assert_error(
        await api.post("/connect/api/sessions", json={"connect_token": token}), 401, "token_invalid"
    )


async def repair(
    api: httpx.AsyncClient, client: TestClient, credential_id: str, username: str, *, link: bool
) -> tuple[WidgetSession, dict[str, Any]]:
    if link:
        _id, value = await make_link(api, client, credential_id)
        widget = await open_session(api, value, link=True)
    else:
        token = await connect_token(api, client, utility_credential_id=credential_id)
        widget = await open_session(api, token)
    return widget, await widget.follow(await widget.submit(username))


@pytest.mark.parametrize("link", [False, True], ids=["update-token", "link"])
async def test_update_mode_refuses_a_login_to_other_accounts(
    app: FastAPI, api: httpx.AsyncClient, link: bool
) -> None:
    client = await make_client(app)
    credential_id = await verified_credential(app, api, client, "user_good")
    before = await credential_row(app, credential_id)
    numbers = await account_numbers(app, credential_id)
    events = await events_of(app, credential_id)

    widget, attempt = await repair(api, client, credential_id, "user_good+attacker", link=link)
    assert (attempt["status"], attempt["status_detail"]) == ("rejected", "ACCOUNT_MISMATCH")
    assert attempt["accounts"] == []
    assert "other utility accounts" in attempt["message"]
    completed = await widget.post(f"/attempts/{attempt['id']}/complete")
    assert_error(completed, 409, "conflict")  # no authorization code
    after = await credential_row(app, credential_id)
    assert before is not None
    assert after is not None
    assert (after.status, after.status_detail, after.verified_at, after.username_hash) == (
        before.status,
        before.status_detail,
        before.verified_at,
        username_hash("sandbox_electric", "user_good"),
    )
    assert await account_numbers(app, credential_id) == numbers
    assert await events_of(app, credential_id) == events
    # The stored login is still the victim's: a repair with it works.
    _w, again = await repair(api, client, credential_id, "user_good", link=link)
    assert again["status"] == "verified"
    assert await account_numbers(app, credential_id) == numbers


async def test_update_mode_takes_the_same_customer_under_a_new_username(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app)
    credential_id = await verified_credential(app, api, client, "user_good")
    numbers = await account_numbers(app, credential_id)
    _w, attempt = await repair(api, client, credential_id, ALIAS, link=True)
    assert attempt["status"] == "verified", attempt
    row = await credential_row(app, credential_id)
    assert row is not None
    assert row.username_hash == username_hash("sandbox_electric", ALIAS)
    assert await account_numbers(app, credential_id) == numbers


async def test_a_credential_never_verified_takes_its_first_good_login(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    """No accounts yet, nothing to compare: the first verified login defines them."""
    client = await make_client(app)
    _widget, first = await sign_in(api, client, "user_typo", "pass_good")
    assert first["status"] == "rejected"
    credential_id = first["utility_credential_id"]
    _w, attempt = await repair(api, client, credential_id, "user_good", link=False)
    assert attempt["status"] == "verified"
    assert await account_numbers(app, credential_id)


async def test_create_mode_never_runs_another_login_on_a_verified_credential(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    """A create-mode session that failed one login, then found an existing verified credential
    for a second, keeps a third login off that credential."""
    client = await make_client(app)
    credential_id = await verified_credential(app, api, client, "user_good", user="u1")
    numbers = await account_numbers(app, credential_id)
    token = await connect_token(api, client, client_user_id="u1")  # create mode: no utility
    widget = await open_session(api, token)
    chosen = await widget.post("/session/utility", {"utility_id": "sandbox_electric"})
    assert chosen.status_code == 200, chosen.text
    # Same login as the verified credential: the session works on it (a repair in create mode).
    wrong = await widget.follow(await widget.submit("user_good", "wrong"))
    assert (wrong["status"], wrong["utility_credential_id"]) == ("rejected", credential_id)
    other = await widget.follow(await widget.submit("user_good+second"))
    assert other["status"] == "verified", other
    assert other["utility_credential_id"] != credential_id
    assert await account_numbers(app, credential_id) == numbers


async def test_one_login_is_never_connected_twice(app: FastAPI, api: httpx.AsyncClient) -> None:
    """Found by the state machine: a failed credential repaired with a login another credential
    of the same end user holds would have made two credentials of one login."""
    client = await make_client(app)

    async def create_mode_session() -> WidgetSession:
        token = await connect_token(api, client, client_user_id="u1")
        widget = await open_session(api, token)
        chosen = await widget.post("/session/utility", {"utility_id": "sandbox_electric"})
        assert chosen.status_code == 200, chosen.text
        return widget

    first = await create_mode_session()
    assert (await first.follow(await first.submit("user_good", "wrong")))["status"] == "rejected"
    held = await first.follow(await first.submit("user_good+other"))  # retried on the same one
    assert held["status"] == "verified"
    second = await create_mode_session()
    failed = await second.follow(await second.submit("user_good", "wrong"))
    assert failed["status"] == "rejected"
    assert failed["utility_credential_id"] != held["utility_credential_id"]

    _w, twin = await repair(
        api, client, failed["utility_credential_id"], "user_good+other", link=False
    )
    assert (twin["status"], twin["status_detail"]) == ("rejected", "ACCOUNT_MISMATCH")
    assert "already connected" in twin["message"]
    assert await account_numbers(app, failed["utility_credential_id"]) == set()
    kept = await credential_row(app, failed["utility_credential_id"])
    assert kept is not None
    assert (kept.status, kept.status_detail) == ("rejected", "INVALID_CREDENTIALS")  # as it was


async def test_deleting_credentials_while_they_sync_never_fails(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    """The sync engine holds a credential's sync row through each step; a deletion (and a
    verification) takes that row first too, so the two wait for each other instead of
    deadlocking (PostgreSQL answered such a DELETE with a 500)."""
    client = await make_client(app)

    async def connect_then_delete(i: int) -> int:
        _widget, attempt = await sign_in(api, client, f"user_good+{i}", user=f"u{i}")
        assert attempt["status"] == "verified"
        await asyncio.sleep(0.02 * (i % 5))  # land in different steps of its first sync
        credential_id = attempt["utility_credential_id"]
        deleted = await api.delete(f"/v1/utility_credentials/{credential_id}", auth=client.auth)
        assert deleted.status_code == 204, deleted.text
        return deleted.status_code

    assert await asyncio.gather(*(connect_then_delete(i) for i in range(12))) == [204] * 12
