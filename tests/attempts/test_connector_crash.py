"""A connector that crashes holding every secret of the sign-in leaks none of them.

A connector is third-party code: an unexpected exception from it may quote whatever it was
given (the username, the password, the MFA code, the utility's session token) in its message,
in a chained cause and in the locals of the frame that raised. Whether it crashes in the
sign-in (which must end in a plain ``error``) or in a later sync, none of those values may reach
a log line, the widget, an event, a webhook or the database outside ciphertext.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator, Sequence
from datetime import datetime

import httpx
import pytest
from fastapi import FastAPI

from gridlink import Settings
from gridlink.connectors.base import (
    Connector,
    ConnectorSession,
    Credentials,
    MfaChallenge,
    MfaOption,
    SessionToken,
)
from gridlink.connectors.errors import MfaRequired
from gridlink.connectors.metadata import (
    ConnectorInfo,
    Environment,
    MfaMethod,
    SignInKind,
    UtilityInfo,
)
from gridlink.connectors.models import (
    Account,
    Commodity,
    IntervalReading,
    Meter,
    Resolution,
    Statement,
)
from gridlink.connectors.registry import ConnectorRegistry
from gridlink.kit.clock import ManualClock
from gridlink.worker.registry import build_connectors
from tests.attempts.flows import connect_token, open_session
from tests.attempts.test_secrets import _database_bytes
from tests.factories import make_client
from tests.lifespan import running_with_connectors
from tests.receiver import Receiver
from tests.webhooks.conftest import make_endpoint

CRASHING = "crashing_electric"  # asks for a code, then crashes in the sign-in
CRASHING_LATER = "crashing_gas"  # signs in with a password; crashes in the sync that follows
CANARY_USERNAME = "un-canary-31c7d4"
CANARY_PASSWORD = "pw-canary-8b02e6"
CANARY_CODE = "614253"
CANARY_TOKEN = "st-canary-d94a17"
CANARIES = (CANARY_USERNAME, CANARY_PASSWORD, CANARY_CODE, CANARY_TOKEN)


def crash(everything: str) -> None:
    """Raise with the secrets in the message, in the cause's and in a local of this frame."""
    try:
        raise KeyError(f"no account in the answer to {everything}")
    except KeyError as error:
        raise RuntimeError(f"the utility choked on {everything}") from error


class CrashingSession(ConnectorSession):
    def __init__(self, utility_id: str, secrets: str) -> None:
        self._utility_id = utility_id
        self._secrets = secrets

    async def fetch_accounts(self) -> Sequence[Account]:
        if self._utility_id == CRASHING:
            crash(self._secrets)
        return [Account("4471", None)]

    async def fetch_meters(self, account: Account) -> Sequence[Meter]:
        crash(self._secrets)
        raise AssertionError("unreachable")

    async def fetch_statements(
        self, meter: Meter, since: object | None = None
    ) -> Sequence[Statement]:
        raise NotImplementedError

    async def fetch_intervals(
        self,
        meter: Meter,
        start: datetime,
        end: datetime,
        resolution: Resolution = Resolution.FINEST,
    ) -> Sequence[IntervalReading]:
        raise NotImplementedError


class CrashingConnector(Connector):
    """Asks for a code, takes any, then crashes with all it was given in the exception."""

    info = ConnectorInfo(
        id="crashing",
        display_name="A connector with a bug",
        utilities=(
            UtilityInfo(
                id=CRASHING,
                name="Crashing Electric",
                states=("CA",),
                commodities=(Commodity.ELECTRIC,),
                sign_in_kinds=(SignInKind.PASSWORD_MFA,),
                mfa_methods=(MfaMethod.SMS,),
                environment=Environment.SANDBOX,
                zips=("90001",),
            ),
            UtilityInfo(
                id=CRASHING_LATER,
                name="Crashing Gas",
                states=("CA",),
                commodities=(Commodity.GAS,),
                sign_in_kinds=(SignInKind.PASSWORD,),
                environment=Environment.SANDBOX,
                zips=("90001",),
            ),
        ),
    )
    code = ""

    async def login(
        self, credentials: Credentials, *, session_token: SessionToken | None = None
    ) -> ConnectorSession:
        if self.utility.id == CRASHING_LATER:
            given = (credentials.username, credentials.password)
        elif session_token is None:
            raise MfaRequired(MfaChallenge((MfaOption("sms", MfaMethod.SMS, "***-***-0101"),)))
        else:
            given = (credentials.username, credentials.password, self.code, session_token.value)
        return CrashingSession(self.utility.id, " / ".join(given))

    async def select_mfa_option(self, challenge: MfaChallenge, option_id: str) -> None:
        challenge.selected_option_id = option_id

    async def submit_mfa_code(self, challenge: MfaChallenge, code: str) -> SessionToken:
        self.code = code
        return SessionToken(CANARY_TOKEN)


def registry_with_crashing(settings: Settings) -> ConnectorRegistry:
    registry = build_connectors(settings)
    registry.register(CrashingConnector, source="tests")
    return registry


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"webhook_allow_loopback": True})


@pytest.fixture
async def app(
    settings: Settings, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[FastAPI]:
    async with running_with_connectors(settings, clock, monkeypatch, registry_with_crashing) as app:
        yield app


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    server = await Receiver().start()
    yield server
    await server.stop()


async def test_a_crashing_connector_leaks_no_secret(
    app: FastAPI,
    api: httpx.AsyncClient,
    db_url: str,
    receiver: Receiver,
    captured_logs: io.StringIO,
) -> None:
    client = await make_client(app)
    await make_endpoint(api, client, receiver.url)
    token = await connect_token(api, client, client_user_id="u", utility_id=CRASHING)
    widget = await open_session(api, token)
    attempt = await widget.follow(
        await widget.submit(CANARY_USERNAME, CANARY_PASSWORD), {"mfa_code", "error"}
    )
    assert attempt["status"] == "mfa_code", attempt
    sent = await widget.post(f"/attempts/{attempt['id']}/mfa/code", {"code": CANARY_CODE})
    assert sent.status_code == 200, sent.text
    ended = await widget.follow(sent.json())

    assert ended["status"] == "error", ended
    assert ended["status_detail"] == "CONNECTION_INTERRUPTED", ended
    events = (await api.get("/v1/events", params={"limit": 100}, auth=client.auth)).json()
    assert events["data"], "the failed attempt emitted no event"
    assert await receiver.wait_for(lambda got: len(got) >= len(events["data"]), 10)
    logs = captured_logs.getvalue()
    assert "connection attempt crashed" in logs
    haystacks = {
        "widget answers": str([attempt, sent.text, ended]).encode(),
        "events": str(events).encode(),
        "webhooks": b"".join(r.body for r in receiver.requests),
        "logs": logs.encode(),
        "database": _database_bytes(db_url),
    }
    assert client.id.encode() in haystacks["database"]  # the search can find things
    for name, haystack in haystacks.items():
        for canary in CANARIES:
            assert canary.encode() not in haystack, f"{canary} is in the {name}"
    assert '"error":"RuntimeError"' in logs  # what failed and where stay visible
    assert "in fetch_accounts" in logs


async def _logged(stream: io.StringIO, text: str) -> str:
    for _ in range(200):
        if text in stream.getvalue():
            return stream.getvalue()
        await asyncio.sleep(0.05)
    raise AssertionError(f"never logged: {text}")


async def test_a_connector_crashing_in_a_sync_leaks_no_secret(
    app: FastAPI, api: httpx.AsyncClient, db_url: str, captured_logs: io.StringIO
) -> None:
    client = await make_client(app)
    token = await connect_token(api, client, client_user_id="u", utility_id=CRASHING_LATER)
    widget = await open_session(api, token)
    verified = await widget.follow(await widget.submit(CANARY_USERNAME, CANARY_PASSWORD))
    assert verified["status"] == "verified", verified  # the backfill starts now, and crashes

    logs = await _logged(captured_logs, "sync failed")
    events = (await api.get("/v1/events", params={"limit": 100}, auth=client.auth)).text
    haystacks = {
        "widget answers": str(verified).encode(),
        "events": events.encode(),
        "logs": logs.encode(),
        "database": _database_bytes(db_url),
    }
    for name, haystack in haystacks.items():
        for canary in (CANARY_USERNAME, CANARY_PASSWORD):
            assert canary.encode() not in haystack, f"{canary} is in the {name}"
    assert '"error":"RuntimeError"' in logs  # what failed and where stay visible
    assert "in fetch_meters" in logs
