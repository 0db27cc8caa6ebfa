"""The model side of the state machine test (test_state_machine.py): what it remembers of
tokens, links and sessions, how it runs the app's coroutines, and the invariants it checks in
the database after every step."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

import httpx
from fastapi import FastAPI
from hypothesis import strategies as st
from sqlalchemy import select

from gridlink.attempts.limits import username_hash
from gridlink.connectors.base import Credentials
from gridlink.connectors.errors import MfaChallengeClosed, MfaRequired
from gridlink.connectors.sandbox.connector import SandboxConnector
from gridlink.kit.clock import ManualClock
from gridlink.models import (
    ConnectionAttempt,
    ConnectLink,
    ConnectSession,
    ConnectToken,
    Event,
    UtilityAccount,
    UtilityCredential,
)

T = TypeVar("T")
UTILITY = "sandbox_electric"
GOOD, WRONG = "pass_good", "wrong"
LOGINS = ("user_good", "user_good+other", "user_mfa_sms")
WAITING = {"mfa_code", "mfa_method"}
FINISHED = {"verified", "rejected", "timeout", "error", "pending", "cancelled"}
# Each outlives an MFA challenge (10 minutes); the longer ones update-mode tokens and link
# sessions (30 minutes) and create-mode tokens (4 hours). Listed by how often they come.
STEPS = {"minutes_11": timedelta(minutes=11), "minutes_31": timedelta(minutes=31)}
STEPS["hours_4"] = timedelta(hours=4, minutes=1)
STEP_CHOICES = ["minutes_11"] * 3 + ["minutes_31"] * 2 + ["hours_4"]
PASSWORDS = st.sampled_from([GOOD, GOOD, WRONG])
LOGIN_OR_NOT = st.none() | st.tuples(st.sampled_from(LOGINS), PASSWORDS)


@dataclass
class Source:
    """A connect token or a connect link, as the model sees it."""

    kind: str  # token | link
    value: str
    client: int
    user: str
    credential: str | None  # update mode's credential (a link's always)
    expires_at: datetime
    id: str = ""
    spent: bool = False
    revoked: bool = False
    failures: int = 0
    sessions: list[Session] = field(default_factory=list)
    counted: set[str] = field(default_factory=set)  # finished attempts already in the model


@dataclass
class Session:
    source: Source
    bearer: str
    expires_at: datetime
    credential: str | None
    closed: bool = False
    ended: bool = False
    login: str | None = None
    attempt: dict[str, Any] | None = None
    challenge_at: datetime | None = None


class Driver:
    """Runs the app's coroutines on its (idle) event loop."""

    def __init__(self, app: FastAPI, api: httpx.AsyncClient, loop: asyncio.AbstractEventLoop):
        self.app = app
        self.api = api
        self.loop = loop
        self.clock: ManualClock = app.state.clock

    def run(self, call: Awaitable[T]) -> T:
        return self.loop.run_until_complete(call)

    def db(self) -> Any:
        return self.app.state.db.transaction(write=False)


async def _accounts_of(login: str) -> frozenset[str]:
    """What the sandbox utility shows this login (asked directly, MFA answered)."""
    connector = SandboxConnector(UTILITY)
    token = None
    try:
        session = await connector.login(Credentials(login, GOOD))
    except MfaRequired as needed:
        await connector.select_mfa_option(needed.challenge, needed.challenge.options[0].id)
        token = await connector.submit_mfa_code(needed.challenge, "123456")
        session = await connector.login(Credentials(login, GOOD), session_token=token)
    async with session:
        return frozenset(a.number for a in await session.fetch_accounts())


ACCOUNTS = {username_hash(UTILITY, login): asyncio.run(_accounts_of(login)) for login in LOGINS}
MFA_CLOSED = MfaChallengeClosed.default_message


def moment(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


async def check_database(client_ids: list[str], driver: Driver) -> None:
    async with driver.db() as db:
        sessions = list(
            (
                await db.scalars(
                    select(ConnectSession).where(ConnectSession.client_id.in_(client_ids))
                )
            ).all()
        )
        attempts = list(
            (
                await db.scalars(
                    select(ConnectionAttempt).where(ConnectionAttempt.client_id.in_(client_ids))
                )
            ).all()
        )
        tokens = {
            t.id: t
            for t in (
                await db.scalars(select(ConnectToken).where(ConnectToken.client_id.in_(client_ids)))
            ).all()
        }
        links = {
            link.id: link
            for link in (
                await db.scalars(select(ConnectLink).where(ConnectLink.client_id.in_(client_ids)))
            ).all()
        }
        credentials = list(
            (
                await db.scalars(
                    select(UtilityCredential).where(UtilityCredential.client_id.in_(client_ids))
                )
            ).all()
        )
        accounts: dict[str, set[str]] = {}
        for account in (
            await db.scalars(select(UtilityAccount).where(UtilityAccount.client_id.in_(client_ids)))
        ).all():
            accounts.setdefault(account.credential_id, set()).add(account.number)
        status_events: dict[str, str] = {}
        for event in (
            await db.scalars(
                select(Event)
                .where(Event.client_id.in_(client_ids), Event.utility_credential_id.is_not(None))
                .order_by(Event.position)
            )
        ).all():
            if event.utility_credential_id and "status" in event.data:
                status_events[event.utility_credential_id] = event.data["status"]

    verified_in = {a.session_id for a in attempts if a.status == "verified"}
    for row in sessions:
        token = tokens.get(row.connect_token_id or "")
        link = links.get(row.connect_link_id or "")
        spent = (token is not None and token.used_at is not None) or (
            link is not None and (link.used_at is not None or link.revoked_at is not None)
        )
        if spent and row.id not in verified_in:
            assert row.ended_at is not None, ("a live session of a spent or revoked source", row.id)
    by_session = {row.id: row for row in sessions}
    for attempt in attempts:
        row = by_session[attempt.session_id]
        if row.closed_at is not None and attempt.status != "pending":
            assert attempt.created_at <= row.closed_at, ("input after close", attempt.id)
        if attempt.status == "verified" and row.ended_at is not None:
            assert attempt.finished_at is not None
            assert attempt.finished_at <= row.ended_at, (
                "verified after its session ended",
                attempt.id,
            )
    logins: dict[tuple[str, str, str, str], str] = {}
    for credential in credentials:
        if credential.username_hash is not None:
            key = (
                credential.client_id,
                credential.user_id,
                credential.utility_id,
                credential.username_hash,
            )
            assert key not in logins, ("two credentials for one login", logins[key], credential.id)
            logins[key] = credential.id
        own = accounts.get(credential.id, set())
        if own:
            expected = ACCOUNTS.get(credential.username_hash or "")
            if expected is not None:
                assert own <= expected, ("accounts from another login", credential.id)
        if credential.status != "pending":
            assert status_events.get(credential.id) == credential.status, (
                "a status without its event",
                credential.id,
                credential.status,
                status_events.get(credential.id),
            )
