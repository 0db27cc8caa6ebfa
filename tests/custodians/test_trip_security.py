"""What an attacker can do with a Connect My Data trip, on both databases: replay a callback,
forge or guess a state, read another session's or client's trip, come back after the trip
expired or the session closed, or have the custodian's token answer point our bearer tokens
elsewhere. And no secret (client secret, code, state, tokens) reaches a log line or an event."""

from __future__ import annotations

import io
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from cryptography.exceptions import InvalidTag
from fastapi import FastAPI

from gridlink.custodians.authorization import CODE_FIELD
from gridlink.custodians.sealing import open_client_secret, seal_client_secret
from gridlink.greenbutton.custodian.testing import Served
from gridlink.kit.clock import ManualClock
from gridlink.kit.keyring import Keyring
from gridlink.kit.vault import Owner, SealedValueMissing
from gridlink.models import (
    ConnectionAttempt,
    GreenButtonAuthorization,
    GreenButtonCustodian,
    GreenButtonGrant,
    UtilityCredential,
)
from tests.attempts.flows import connect_token, open_session
from tests.conftest import TEST_MASTER_KEYS
from tests.credentials.helpers import count
from tests.custodians.conftest import (
    CLIENT_SECRET,
    authorize,
    consent_at_custodian,
    register,
    return_to_gridlink,
    sealed_tokens,
    start_trip,
    widget_session,
)
from tests.factories import TestClient, make_client
from tests.sync.helpers import events, verify, wait_for_event, wait_until_synced


async def test_a_callback_works_once(
    app: FastAPI, api: httpx.AsyncClient, custodian: Served
) -> None:
    await register(app, custodian)
    client = await make_client(app)
    widget = await widget_session(api, client)
    trip = await start_trip(widget)
    location = await consent_at_custodian(trip.authorization_url)
    assert (await return_to_gridlink(api, location)).status_code == 200
    replayed = await return_to_gridlink(api, location)
    assert replayed.status_code == 200  # the same page again, nothing more
    assert await count(app, ConnectionAttempt) == 1
    status = (await widget.get(f"/green_button/authorizations/{trip.authorization_id}")).json()
    attempt = await widget.get(f"/attempts/{status['attempt_id']}", wait=0)
    assert (await widget.follow(attempt.json()))["status"] == "verified"
    # The code was opened once and destroyed before the exchange.
    async with app.state.db.transaction(write=False) as session:
        row = await session.get(GreenButtonAuthorization, trip.authorization_id)
        assert row is not None
        with pytest.raises(SealedValueMissing):
            await app.state.vault.open(
                session, owner=Owner(row.client_id, row.id), field=CODE_FIELD
            )


@pytest.mark.parametrize("query", ["", "?state=", "?state=guessed&code=abc", "?code=abc"])
async def test_an_unknown_state_gets_a_page_that_says_so(
    app: FastAPI, api: httpx.AsyncClient, custodian: Served, query: str
) -> None:
    await register(app, custodian)
    page = await api.get(f"/connect/green_button/callback{query}")
    assert page.status_code == 400
    assert "not valid" in page.text
    assert page.headers["content-type"].startswith("text/html")
    assert "script-src 'sha256-" in page.headers["content-security-policy"]
    assert await count(app, ConnectionAttempt) == 0


async def test_another_session_or_client_cannot_read_a_trip(
    app: FastAPI, api: httpx.AsyncClient, custodian: Served
) -> None:
    await register(app, custodian)
    first_client = await make_client(app)
    widget = await widget_session(api, first_client)
    trip = await start_trip(widget)
    same_client = await widget_session(api, first_client, user="user-2")
    second_client = await widget_session(api, await make_client(app, name="Other App"))
    for stranger in (same_client, second_client):
        seen = await stranger.get(f"/green_button/authorizations/{trip.authorization_id}")
        assert seen.status_code == 404, seen.text
        assert seen.json()["error"]["code"] == "not_found"


async def test_a_trip_expires_after_ten_minutes(
    app: FastAPI, api: httpx.AsyncClient, custodian: Served, clock: ManualClock
) -> None:
    await register(app, custodian)
    widget = await widget_session(api, await make_client(app))
    trip = await start_trip(widget)
    location = await consent_at_custodian(trip.authorization_url)
    clock.advance(timedelta(minutes=11))
    status = (await widget.get(f"/green_button/authorizations/{trip.authorization_id}")).json()
    assert status["status"] == "expired"
    page = await return_to_gridlink(api, location)
    assert "too long" in page.text
    assert await count(app, ConnectionAttempt) == 0


async def test_a_closed_session_takes_no_callback(
    app: FastAPI, api: httpx.AsyncClient, custodian: Served
) -> None:
    await register(app, custodian)
    widget = await widget_session(api, await make_client(app))
    trip = await start_trip(widget)
    location = await consent_at_custodian(trip.authorization_url)
    assert (await widget.post("/session/exit")).status_code == 204
    page = await return_to_gridlink(api, location)
    assert "session has ended" in page.text
    assert await count(app, ConnectionAttempt) == 0
    assert await count(app, UtilityCredential) == 0


async def test_a_resource_uri_outside_the_registered_endpoint_is_refused(
    app: FastAPI, api: httpx.AsyncClient, custodian: Served
) -> None:
    """The custodian answers with its real resourceURI; registered under another resource base,
    that URI is not ours to send tokens to."""
    custodian_id = await register(app, custodian)
    async with app.state.db.transaction() as session:
        row = await session.get(GreenButtonCustodian, custodian_id)
        assert row is not None
        row.resource_endpoint = f"{custodian.base_url}/espi/1_1/resource/Batch/Subscription/999"
    widget = await widget_session(api, await make_client(app))
    attempt = await authorize(api, widget)
    assert (attempt["status"], attempt["status_detail"]) == ("rejected", "AUTHORIZATION_REVOKED")
    assert await count(app, GreenButtonGrant) == 0
    assert await count(app, UtilityCredential, status="verified") == 0


async def _revoked(
    app: FastAPI, api: httpx.AsyncClient, custodian: Served
) -> tuple[TestClient, str]:
    """A Connect My Data credential, synced, then revoked by the customer at the utility and
    rejected at its next sync."""
    await register(app, custodian)
    client = await make_client(app)
    attempt = await authorize(api, await widget_session(api, client))
    credential_id = str(attempt["utility_credential_id"])
    await wait_until_synced(api, client, credential_id)
    (authorization,) = custodian.custodian.authorizations()
    custodian.custodian.revoke_authorization(authorization.id)
    await api.post(f"/v1/utility_credentials/{credential_id}/refresh", auth=client.auth, json={})
    await wait_for_event(api, client, credential_id, "utility_credential_revoked")
    return client, credential_id


async def test_update_mode_authorizes_again_after_a_revocation(
    app: FastAPI, api: httpx.AsyncClient, custodian: Served
) -> None:
    client, credential_id = await _revoked(app, api, custodian)
    token = await connect_token(api, client, utility_credential_id=credential_id)
    repair = await open_session(api, token)
    assert repair.data["step"] == "green_button"
    again = await authorize(api, repair)
    assert (again["status"], again["utility_credential_id"]) == ("verified", credential_id)
    body = await wait_until_synced(api, client, credential_id)
    assert (body["status"], body["status_detail"]) == ("verified", None)
    assert await count(app, UtilityCredential) == 1


async def test_update_mode_of_a_login_does_not_start_a_trip(
    app: FastAPI, api: httpx.AsyncClient, custodian: Served
) -> None:
    await register(app, custodian)
    client = await make_client(app)
    credential_id = await verify(api, client)
    token = await connect_token(api, client, utility_credential_id=credential_id)
    repair = await open_session(api, token)
    refused = await repair.post("/green_button/authorizations", {})
    assert refused.status_code == 409, refused.text


async def test_no_secret_reaches_a_log_line_or_an_event(
    app: FastAPI, api: httpx.AsyncClient, custodian: Served, captured_logs: io.StringIO
) -> None:
    await register(app, custodian)
    client = await make_client(app)
    widget = await widget_session(api, client)
    trip = await start_trip(widget)
    location = await consent_at_custodian(trip.authorization_url)
    query = parse_qs(urlsplit(location).query)
    code, state = query["code"][0], query["state"][0]
    assert (await return_to_gridlink(api, location)).status_code == 200
    status = (await widget.get(f"/green_button/authorizations/{trip.authorization_id}")).json()
    attempt = await widget.get(f"/attempts/{status['attempt_id']}", wait=0)
    verified = await widget.follow(attempt.json())
    credential_id = verified["utility_credential_id"]
    await wait_until_synced(api, client, credential_id)
    tokens = await sealed_tokens(app, credential_id)
    secrets = [CLIENT_SECRET, code, state, tokens.access_token, tokens.refresh_token]
    logs = captured_logs.getvalue()
    published = str(await events(api, client, credential_id))
    assert logs  # the flow logged (requests, the worker): the check below reads something
    for secret in secrets:
        assert secret
        assert secret not in logs
        assert secret not in published
        assert secret not in str(verified)
    async with app.state.db.transaction(write=False) as session:
        row = (await session.execute(GreenButtonCustodian.__table__.select())).one()
        assert CLIENT_SECRET.encode() not in row.client_secret_sealed


def test_a_sealed_client_secret_opens_only_for_its_own_custodian() -> None:
    ring = Keyring.parse(TEST_MASTER_KEYS)
    sealed = seal_client_secret(ring, "gbc_one", CLIENT_SECRET)
    assert CLIENT_SECRET.encode() not in sealed
    assert open_client_secret(ring, "gbc_one", sealed) == CLIENT_SECRET
    with pytest.raises(InvalidTag):  # copied onto another custodian's row: does not open
        open_client_secret(ring, "gbc_two", sealed)


async def test_a_connect_link_repairs_a_revoked_authorization(
    app: FastAPI, api: httpx.AsyncClient, custodian: Served
) -> None:
    """A full-page connect link for the credential opens on the custodian's step, like update
    mode; authorizing again verifies the same credential and spends the link."""
    client, credential_id = await _revoked(app, api, custodian)
    made = await api.post(
        f"/v1/utility_credentials/{credential_id}/connect_link", auth=client.auth, json={}
    )
    assert made.status_code in (200, 201), made.text
    link_token = made.json()["url"].split("#token=")[1]
    repair = await open_session(api, link_token, link=True)
    assert (repair.data["mode"], repair.data["step"]) == ("update", "green_button")
    again = await authorize(api, repair)
    assert (again["status"], again["utility_credential_id"]) == ("verified", credential_id)
    done = await repair.post(f"/attempts/{again['id']}/complete")
    assert done.status_code == 200, done.text
    reopened = await api.post("/connect/api/sessions", json={"connect_link_token": link_token})
    assert reopened.status_code == 401, reopened.text  # the link was used
