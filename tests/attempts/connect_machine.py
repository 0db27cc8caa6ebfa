"""The rules of the state machine test (test_state_machine.py): what integrators and end users
do, and what the model says the app must answer."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

import httpx
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    MultipleResults,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
)
from sqlalchemy import func, select

from gridlink.attempts.limits import MFA_CHALLENGE_TTL, username_hash
from gridlink.kit import tokens
from gridlink.models import ConnectionAttempt, ConnectSession, LoginFailure, UtilityCredential
from tests.attempts.machine_model import (
    FINISHED,
    GOOD,
    LOGIN_OR_NOT,
    LOGINS,
    MFA_CLOSED,
    PASSWORDS,
    STEP_CHOICES,
    STEPS,
    UTILITY,
    WAITING,
    Driver,
    Session,
    Source,
    check_database,
    moment,
)
from tests.factories import TestClient, make_client


class ConnectMachine(RuleBasedStateMachine):
    driver: Driver  # set by the test before each run
    seen: Counter[str] = Counter()  # what the runs went through, over all examples

    sessions = Bundle("sessions")

    def __init__(self) -> None:
        super().__init__()
        self.clients: list[TestClient] = []
        # credential id → {"client", "user", "login" (the verified one, or None), "deleted"}
        self.credentials: dict[str, dict[str, Any]] = {}
        self.all_sessions: list[Session] = []

    # --- talking to the app ------------------------------------------------------------

    @property
    def now(self) -> datetime:
        return self.driver.clock.now()

    def auth(self, client: int) -> httpx.BasicAuth:
        return self.clients[client].auth

    def call(self, make: Callable[[], Awaitable[httpx.Response]]) -> httpx.Response:
        return self.driver.run(make())

    def widget(self, session: Session, method: str, path: str, body: Any = None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {session.bearer}"}
        api = self.driver.api
        if method == "GET":
            return self.call(lambda: api.get(f"/connect/api{path}", headers=headers))
        return self.call(lambda: api.post(f"/connect/api{path}", json=body, headers=headers))

    # --- the model ---------------------------------------------------------------------

    def gone(self, credential_id: str | None) -> bool:
        info = self.credentials.get(credential_id or "")
        return info is not None and bool(info["deleted"])

    def readable(self, session: Session) -> bool:
        """Whether the session's bearer still works (a closed session still reads)."""
        return not (
            session.ended or self.gone(session.credential) or self.now >= session.expires_at
        )

    def live(self, session: Session) -> bool:
        """Whether the server must still take input in this session."""
        return self.readable(session) and not session.closed

    def openable(self, source: Source) -> bool:
        return not (
            source.spent
            or source.revoked
            or self.gone(source.credential)
            or source.failures >= 3
            or self.now >= source.expires_at
        )

    def record(self, session: Session, attempt: dict[str, Any]) -> None:
        """What a finished attempt means for the model, once per attempt; and what it must be."""
        session.attempt = attempt
        session.credential = attempt["utility_credential_id"]
        source = session.source
        info = self.credentials.setdefault(
            attempt["utility_credential_id"],
            {"client": source.client, "user": source.user, "login": None, "deleted": False},
        )
        if attempt["status"] not in FINISHED or attempt["id"] in source.counted:
            return
        source.counted.add(attempt["id"])
        self.seen.update([f"attempt {attempt['status']} {attempt['status_detail'] or ''}".strip()])
        if attempt["status"] == "verified":
            # A credential's accounts only ever come from its own login.
            assert info["login"] in (None, session.login), (info, session.login)
            info["login"] = session.login
            source.spent = True
            for sibling in source.sessions:
                if sibling is not session:
                    sibling.ended = True
        if attempt["status_detail"] == "ACCOUNT_MISMATCH":
            # Another customer's login, or one another credential of this end user holds.
            assert info["login"] not in (None, session.login) or self.held_elsewhere(
                attempt["utility_credential_id"], session.login
            ), (info, session.login)
        if attempt["status"] == "rejected" and (
            attempt["status_detail"] == "INVALID_CREDENTIALS" or attempt["message"] == MFA_CLOSED
        ):
            source.failures += 1

    def held_elsewhere(self, credential_id: str, login: str | None) -> bool:
        """Whether another credential of the same end user holds this login."""

        async def read() -> bool:
            async with self.driver.db() as db:
                own = await db.get(UtilityCredential, credential_id, populate_existing=True)
                assert own is not None
                other = await db.scalar(
                    select(UtilityCredential.id).where(
                        UtilityCredential.user_id == own.user_id,
                        UtilityCredential.utility_id == own.utility_id,
                        UtilityCredential.username_hash == username_hash(UTILITY, login or ""),
                        UtilityCredential.id != credential_id,
                    )
                )
            return other is not None

        return self.driver.run(read())

    def settle(self, session: Session) -> None:
        """Follow the session's attempt until it rests: finished, or waiting for an end user who
        can still answer (in a session that no longer takes input, the worker ends the wait)."""
        attempt = session.attempt
        for _ in range(100):
            if attempt is None or attempt["status"] in FINISHED:
                break
            if attempt["status"] in WAITING and self.live(session):
                break
            attempt = self.follow(session, attempt)
        if attempt is None:  # deleted with its credential
            session.attempt = None
            return
        assert attempt["status"] in FINISHED | WAITING, attempt
        if attempt["status"] in WAITING and session.challenge_at is None:
            session.challenge_at = self.now
            self.seen.update(["mfa challenge"])
        self.record(session, attempt)

    def follow(self, session: Session, attempt: dict[str, Any]) -> dict[str, Any] | None:
        """The attempt's next state: by long-poll while the session reads, else from the
        database (None once it is gone)."""
        if self.readable(session):
            response = self.widget(
                session, "GET", f"/attempts/{attempt['id']}?after_seq={attempt['seq']}&wait=5"
            )
            assert response.status_code == 200, response.text
            return dict(response.json())
        self.driver.run(asyncio.sleep(0.05))
        return self.attempt_from_db(attempt["id"])

    def attempt_from_db(self, attempt_id: str) -> dict[str, Any] | None:
        async def read() -> dict[str, Any] | None:
            async with self.driver.db() as db:
                row = await db.get(ConnectionAttempt, attempt_id, populate_existing=True)
                if row is None:
                    return None
                return {
                    "id": row.id,
                    "seq": row.seq,
                    "status": row.status,
                    "status_detail": row.status_detail,
                    "message": row.message,
                    "utility_credential_id": row.credential_id,
                }

        return self.driver.run(read())

    def settle_all(self) -> None:
        for session in self.all_sessions:
            if session.attempt is not None and session.attempt["status"] not in FINISHED:
                self.settle(session)

    # --- rules -------------------------------------------------------------------------

    @initialize(target=sessions)
    def two_clients(self) -> MultipleResults[Session]:
        """Two clients whose end users sign in with the same utility usernames; each has Connect
        open, and the first a verified credential with a connect link open for it (every run
        starts with something to sign in to and something to repair)."""
        self.clients = [self.driver.run(make_client(self.driver.app)) for _ in range(2)]
        connected = self.start(0, "u2", ("user_good", GOOD))
        assert connected.attempt is not None
        assert connected.attempt["status"] == "verified", connected.attempt
        self.complete(connected)
        link = self.open_repair(connected.attempt["utility_credential_id"], link=True)
        return multiple(self.start(0, "u1"), self.start(1, "u1"), link)

    @rule(
        target=sessions,
        client=st.integers(0, 1),
        user=st.sampled_from(["u1", "u2"]),
        login=LOGIN_OR_NOT,
    )
    def start(self, client: int, user: str, login: tuple[str, str] | None = None) -> Session:
        """The app makes a create-mode connect token; the end user opens Connect with it (and
        signs in at once, mostly)."""
        response = self.call(
            lambda: self.driver.api.post(
                "/v1/auth/connect_token", json={"client_user_id": user}, auth=self.auth(client)
            )
        )
        assert response.status_code == 200, response.text
        body = response.json()
        source = Source(
            "token", body["connect_token"], client, user, None, moment(body["expires_at"])
        )
        return self.open_connect(source, login)

    @rule(target=sessions, session=sessions, login=LOGIN_OR_NOT)
    def reopen(self, session: Session, login: tuple[str, str] | None) -> Session:
        """Connect opened again with the same token or link (after a close, a failure, a
        double click...)."""
        return self.open_connect(session.source, login)

    @precondition(lambda self: any(not c["deleted"] for c in self.credentials.values()))
    @rule(target=sessions, data=st.data(), link=st.booleans(), login=LOGIN_OR_NOT)
    def repair(self, data: st.DataObject, link: bool, login: tuple[str, str] | None) -> Session:
        """The app makes an update-mode connect token, or a connect link, for one of the
        credentials; the end user opens it."""
        candidates = sorted(i for i, c in self.credentials.items() if not c["deleted"])
        return self.open_repair(data.draw(st.sampled_from(candidates)), link=link, login=login)

    def open_repair(
        self, credential_id: str, *, link: bool, login: tuple[str, str] | None = None
    ) -> Session:
        info = self.credentials[credential_id]
        auth = self.auth(info["client"])
        api = self.driver.api
        if link:
            response = self.call(
                lambda: api.post(f"/v1/utility_credentials/{credential_id}/connect_link", auth=auth)
            )
            assert response.status_code == 201, response.text
            body = response.json()
            source = Source(
                "link",
                body["url"].split("#token=", 1)[1],
                info["client"],
                info["user"],
                credential_id,
                moment(body["expires_at"]),
                id=body["id"],
            )
        else:
            response = self.call(
                lambda: api.post(
                    "/v1/auth/connect_token",
                    json={"utility_credential_id": credential_id},
                    auth=auth,
                )
            )
            assert response.status_code == 200, response.text
            body = response.json()
            source = Source(
                "token",
                body["connect_token"],
                info["client"],
                info["user"],
                credential_id,
                moment(body["expires_at"]),
            )
        return self.open_connect(source, login)

    def open_connect(self, source: Source, login: tuple[str, str] | None = None) -> Session:
        key = "connect_token" if source.kind == "token" else "connect_link_token"
        expected = self.openable(source)
        response = self.call(
            lambda: self.driver.api.post("/connect/api/sessions", json={key: source.value})
        )
        assert response.status_code == (200 if expected else 401), response.text
        self.seen.update([f"open {source.kind}: {'opened' if expected else 'refused'}"])
        if not expected:
            return Session(source, "glcs_sandbox_refused", self.now, None, ended=True)
        body = response.json()["session"]
        session = Session(
            source, response.json()["session_token"], moment(body["expires_at"]), source.credential
        )
        source.sessions.append(session)
        self.all_sessions.append(session)
        if body["step"] == "consent":
            given = self.widget(
                session, "POST", "/session/consent", {"consent_version": body["consent_version"]}
            )
            assert given.status_code == 200, given.text
        if body["step"] in ("consent", "utility"):
            chosen = self.widget(session, "POST", "/session/utility", {"utility_id": UTILITY})
            assert chosen.status_code == 200, chosen.text
        if login is not None:
            self.sign_in(session, *login)
        return session

    @rule(
        session=sessions,
        login=st.sampled_from(LOGINS),
        password=PASSWORDS,
    )
    def sign_in(self, session: Session, login: str, password: str) -> None:
        busy = any(
            s.attempt is not None and s.attempt["status"] in WAITING
            for s in session.source.sessions
        )
        connected = session.attempt is not None and session.attempt["status"] == "verified"
        response = self.widget(
            session, "POST", "/attempts", {"username": login, "password": password}
        )
        if not self.live(session):
            assert response.status_code == 401, response.text
            self.seen.update(
                [f"sign-in refused: session {'ended' if session.ended else 'closed or gone'}"]
            )
            return
        if busy or connected:
            assert response.status_code == 409, response.text
            self.seen.update(["sign-in refused: 409"])
            return
        if response.status_code == 429:
            self.seen.update(["sign-in refused: 429"])
            self.assert_own_failures_justify(session, login)
            return
        assert response.status_code == 200, response.text
        self.seen.update(["sign-in"])
        session.login = login
        session.challenge_at = None
        session.attempt = response.json()
        self.settle(session)

    def waiting(self) -> list[Session]:
        return [
            s for s in self.all_sessions if s.attempt is not None and s.attempt["status"] in WAITING
        ]

    @precondition(lambda self: self.waiting())
    @rule(data=st.data(), right=st.booleans())
    def answer_mfa(self, data: st.DataObject, right: bool) -> None:
        """The end user types the code they received (or a wrong one)."""
        session = data.draw(st.sampled_from(self.waiting()))
        attempt = session.attempt
        assert attempt is not None
        if attempt["status"] != "mfa_code":
            return
        self.seen.update(["answer mfa"])
        code = "123456" if right else "000000"
        response = self.widget(
            session, "POST", f"/attempts/{attempt['id']}/mfa/code", {"code": code}
        )
        if not self.live(session):
            assert response.status_code == 401, response.text
            return
        assert response.status_code == 200, response.text
        session.attempt = self.follow(session, response.json())
        self.settle(session)

    @precondition(lambda self: self.waiting())
    @rule(data=st.data())
    def back(self, data: st.DataObject) -> None:
        """Back from the MFA dialog: the attempt ends without a verdict."""
        session = data.draw(st.sampled_from(self.waiting()))
        attempt = session.attempt
        assert attempt is not None
        self.seen.update(["back"])
        response = self.widget(session, "POST", f"/attempts/{attempt['id']}/cancel")
        if not self.live(session):
            assert response.status_code == 401, response.text
            return
        assert response.status_code == 200, response.text
        session.attempt = self.follow(session, response.json())
        self.settle(session)
        assert session.attempt is not None
        assert session.attempt["status"] == "cancelled", session.attempt

    @rule(session=sessions)
    def close(self, session: Session) -> None:
        self.seen.update(["close"])
        response = self.widget(session, "POST", "/session/exit")
        if not self.readable(session):
            assert response.status_code == 401, response.text
            return
        assert response.status_code == 204, response.text
        session.closed = True
        self.settle(session)

    @rule(session=sessions)
    def complete(self, session: Session) -> None:
        attempt = session.attempt
        if attempt is None or attempt["status"] != "verified":
            return
        self.seen.update(["complete"])
        response = self.widget(session, "POST", f"/attempts/{attempt['id']}/complete")
        if not self.live(session):
            assert response.status_code == 401, response.text
            return
        assert response.status_code == 200, response.text
        assert response.json()["authorization_code"].startswith("glac_")
        session.closed = True

    @rule(session=sessions)
    def revoke_link(self, session: Session) -> None:
        source = session.source
        if source.kind != "link":
            return
        self.seen.update(["revoke link"])
        response = self.call(
            lambda: self.driver.api.delete(
                f"/v1/connect_links/{source.id}", auth=self.auth(source.client)
            )
        )
        assert response.status_code == 204, response.text
        if not (source.spent or self.now >= source.expires_at):
            source.revoked = True
            for session in source.sessions:
                session.ended = True
        self.settle_all()

    @precondition(lambda self: any(not c["deleted"] for c in self.credentials.values()))
    @rule(data=st.data())
    def delete_credential(self, data: st.DataObject) -> None:
        candidates = sorted(i for i, c in self.credentials.items() if not c["deleted"])
        credential_id = data.draw(st.sampled_from(candidates))
        info = self.credentials[credential_id]
        response = self.call(
            lambda: self.driver.api.delete(
                f"/v1/utility_credentials/{credential_id}", auth=self.auth(info["client"])
            )
        )
        assert response.status_code == 204, response.text
        info["deleted"] = True
        self.seen.update(["delete credential"])
        self.settle_all()

    @rule(step=st.sampled_from(STEP_CHOICES))
    def advance_clock(self, step: str) -> None:
        """Every step outlives an MFA challenge: the worker ends those waiting as timeout."""
        self.driver.clock.advance(STEPS[step])
        self.seen.update(["advance clock"])
        for session in self.all_sessions:
            attempt = session.attempt
            if attempt is None or attempt["status"] not in WAITING:
                continue
            assert session.challenge_at is not None
            assert self.now >= session.challenge_at + MFA_CHALLENGE_TTL
            found: dict[str, Any] | None = attempt
            for _ in range(100):
                found = self.attempt_from_db(attempt["id"])
                if found is None or found["status"] in FINISHED:
                    break
                self.driver.run(asyncio.sleep(0.05))
            if found is not None:
                assert found["status"] == "timeout", found
                self.record(session, found)

    def assert_own_failures_justify(self, session: Session, login: str) -> None:
        """A 429 must follow from the refused client's own failures (sandbox: per end user)."""
        client_id = self.clients[session.source.client].id
        login_hash = username_hash(UTILITY, login)

        async def counts() -> tuple[int, int]:
            since = self.now - timedelta(hours=24)
            async with self.driver.db() as db:
                user_id = await db.scalar(
                    select(ConnectSession.user_id).where(
                        ConnectSession.session_hash == tokens.digest(session.bearer)
                    )
                )
                mine = (
                    LoginFailure.client_id == client_id,
                    LoginFailure.user_id == user_id,
                    LoginFailure.failed_at > since,
                )
                per_login = await db.scalar(
                    select(func.count())
                    .select_from(LoginFailure)
                    .where(*mine, LoginFailure.username_hash == login_hash)
                )
                per_user = await db.scalar(
                    select(func.count()).select_from(LoginFailure).where(*mine)
                )
            return int(per_login or 0), int(per_user or 0)

        per_login, per_user = self.driver.run(counts())
        source = session.source.failures
        assert source >= 3 or per_login >= 5 or per_user >= 10, (
            "a 429 the refused client's own failures do not explain",
            source,
            per_login,
            per_user,
        )

    # --- invariants ----------------------------------------------------------------------

    @invariant()
    def database_agrees(self) -> None:
        if self.clients:
            self.driver.run(check_database([c.id for c in self.clients], self.driver))
