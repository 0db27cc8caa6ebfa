"""A canary password and MFA code never appear in logs, events, error bodies or the database
outside ciphertext; nor does the session token a utility gives for a passed MFA."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.engine import make_url

from gridlink.kit.vault import Owner, VaultError
from gridlink.models import DataKey, SealedSecret
from tests.attempts.flows import connect_token, open_session
from tests.factories import TestClient, make_client

CANARY_PASSWORD = "pw-canary-5f3e9a"
CANARY_CODE = "770077"
SANDBOX_CODE = "123456"  # the right code for every sandbox MFA user (docs/reference/sandbox.md)


def _database_bytes(db_url: str) -> bytes:
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite":
        path = Path(str(url.database))
        return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
    dump = subprocess.run(
        [
            "pg_dump",
            "-h",
            url.host or "127.0.0.1",
            "-p",
            str(url.port or 5432),
            "-U",
            url.username or "postgres",
            "--data-only",
            str(url.database),
        ],
        capture_output=True,
        check=True,
        timeout=60,
    )
    return dump.stdout


async def test_canaries_stay_secret(
    app: FastAPI, api: httpx.AsyncClient, db_url: str, captured_logs: io.StringIO
) -> None:
    client = await make_client(app)
    token = await connect_token(api, client, client_user_id="u", utility_id="sandbox_electric")
    widget = await open_session(api, token)
    rejected = await widget.follow(await widget.submit("user_good", CANARY_PASSWORD))
    assert rejected["status"] == "rejected"
    attempt = await widget.follow(
        await widget.submit("user_mfa_sms", "pass_good"), {"mfa_code", "verified", "rejected"}
    )
    wrong = await widget.post(f"/attempts/{attempt['id']}/mfa/code", {"code": CANARY_CODE})
    assert wrong.status_code == 200
    bodies = [rejected, wrong.text]
    seq = attempt["seq"]
    for _ in range(20):
        state = (await widget.get(f"/attempts/{attempt['id']}", after_seq=seq, wait=5)).json()
        bodies.append(state)
        if state["status"] == "mfa_code" and state["mfa"]["attempts_left"] == 4:
            break
        seq = state["seq"]
    bad_input = await widget.post(
        f"/attempts/{attempt['id']}/mfa/code", {"code": CANARY_CODE + "!!"}
    )
    bodies.append(bad_input.text)
    events = (await api.get("/v1/events", params={"limit": 100}, auth=client.auth)).text
    haystacks = {
        "responses": str(bodies).encode(),
        "events": events.encode(),
        "logs": captured_logs.getvalue().encode(),
        "database": _database_bytes(db_url),
    }
    assert client.id.encode() in haystacks["database"]  # the search can find things
    for name, haystack in haystacks.items():
        # As text, and as hex: pg_dump prints bytea columns in hex.
        for canary in (CANARY_PASSWORD.encode(), CANARY_CODE.encode()):
            assert canary not in haystack, name
            assert canary.hex().encode() not in haystack, name


async def _verified_mfa_sign_in(
    api: httpx.AsyncClient, client: TestClient, user: str, username: str
) -> str:
    """A sandbox MFA sign-in with the right code; the credential's id."""
    token = await connect_token(api, client, client_user_id=user, utility_id="sandbox_electric")
    widget = await open_session(api, token)
    attempt = await widget.follow(
        await widget.submit(username, "pass_good"), {"mfa_code", "verified", "rejected"}
    )
    assert attempt["status"] == "mfa_code", attempt
    sent = await widget.post(f"/attempts/{attempt['id']}/mfa/code", {"code": SANDBOX_CODE})
    assert sent.status_code == 200, sent.text
    verified = await widget.follow(sent.json())
    assert verified["status"] == "verified", verified
    return str(verified["utility_credential_id"])


async def _open_session_token(app: FastAPI, owner: Owner) -> str:
    async with app.state.db.transaction(write=False) as session:
        value: bytes = await app.state.vault.open(session, owner=owner, field="session_token")
    return value.decode()


async def test_an_mfa_session_token_is_stored_only_sealed_and_bound_to_its_credential(
    app: FastAPI, api: httpx.AsyncClient, db_url: str
) -> None:
    client = await make_client(app)
    first = Owner(client.id, await _verified_mfa_sign_in(api, client, "a", "user_mfa_sms"))
    second = Owner(client.id, await _verified_mfa_sign_in(api, client, "b", "user_mfa_email"))
    token = await _open_session_token(app, first)
    assert token.startswith("gls1.")  # the sandbox's token, as its connector returned it
    assert token != await _open_session_token(app, second)

    dump = _database_bytes(db_url)
    assert first.record_id.encode() in dump  # the search can find things
    for part in (token, *token.split(".")[1:]):  # whole, and its payload and MAC alone
        # As stored, and as hex (a PostgreSQL dump shows bytea so).
        for form in (part.encode(), part.encode().hex().encode()):
            assert form not in dump, part

    async with app.state.db.transaction() as session:
        keys = {
            k.record_id: k.id
            for k in (await session.scalars(select(DataKey))).all()
            if k.client_id == client.id
        }
        sealed = await session.get(SealedSecret, (keys[first.record_id], "session_token"))
        assert sealed is not None
        target = await session.get(SealedSecret, (keys[second.record_id], "session_token"))
        assert target is not None
        target.ciphertext = sealed.ciphertext  # the first credential's token, on the second's row
    with pytest.raises(VaultError, match="does not authenticate") as refused:
        await _open_session_token(app, second)
    assert token not in str(refused.value)
    assert await _open_session_token(app, first) == token  # the original still opens


CANARY_KEY = "canary q7ke yzz2 xwmn"  # a well-formed authenticator key the sandbox refuses
RIGHT_KEY = "grid link sand box2"  # sandbox_authenticator's (docs/reference/sandbox.md)


async def test_authenticator_keys_stay_secret(
    app: FastAPI, api: httpx.AsyncClient, db_url: str, captured_logs: io.StringIO
) -> None:
    """Refused, malformed and accepted keys: in no response, event, log line or database row
    in clear, as typed or as stored (upper case, no spaces)."""
    client = await make_client(app)
    token = await connect_token(api, client, client_user_id="k", utility_id="sandbox_authenticator")
    widget = await open_session(api, token)
    login = {"username": "user_good", "password": "pass_good"}
    bodies: list[object] = []
    malformed = await widget.post("/attempts", {**login, "totp_secret": CANARY_KEY + " 1890"})
    assert malformed.status_code == 422
    bodies.append(malformed.text)
    for key, status in [(CANARY_KEY, "rejected"), (RIGHT_KEY, "verified")]:
        response = await widget.post("/attempts", {**login, "totp_secret": key})
        assert response.status_code == 200, response.text
        bodies += [response.text, ended := await widget.follow(response.json())]
        assert ended["status"] == status, ended
    events = (await api.get("/v1/events", params={"limit": 100}, auth=client.auth)).text
    haystacks = {
        "responses": str(bodies).encode(),
        "events": events.encode(),
        "logs": captured_logs.getvalue().encode(),
        "database": _database_bytes(db_url),
    }
    assert client.id.encode() in haystacks["database"]  # the search can find things
    assert b"utility_credential_verified" in haystacks["events"]
    for name, haystack in haystacks.items():
        for key in (CANARY_KEY, RIGHT_KEY):
            for form in (key, key.replace(" ", "").upper()):
                assert form.encode() not in haystack, (name, form)
                assert form.encode().hex().encode() not in haystack, (name, form)
