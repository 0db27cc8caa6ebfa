"""One attempt, run start to finish in the worker that holds the utility session.

The dialog follows the connector contract: log in; on ``MfaRequired`` show the options, wait
for the end user's choice and code (they arrive through the attempt's row), submit, log in with
the session token; then discover accounts. Every state the widget should see is committed at
once (attempts/outcomes.py). A utility slower than ``connect_wait`` makes the attempt
``pending`` while it goes on; silence from the end user past ``input_timeout`` ends it, and so
does a challenge older than ``limits.MFA_CHALLENGE_TTL`` (absolute: input does not extend it),
a session the end user closed, or one that ended (its link revoked). Every code sent and tried
is counted per login across sessions (``limits``) before the utility is asked.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.attempts import limits, outcomes
from gridlink.attempts.endings import (
    CHALLENGE_EXPIRED,
    INTERRUPTED,
    MFA_AFTER_PENDING,
    USER_TIMEOUT,
    AttemptGone,
    ChallengeExpired,
    InputTimeout,
    MfaLimitReached,
    SessionEnded,
    WentBack,
    failure_of,
    mfa_limited,
)
from gridlink.attempts.repository import AttemptRepository
from gridlink.attempts.service import BACK, CLOSE, WORK_CHANNEL
from gridlink.clients.clock import client_clock
from gridlink.connectors.base import (
    Connector,
    ConnectorSession,
    Credentials,
    MfaChallenge,
    SessionToken,
)
from gridlink.connectors.errors import (
    ConnectorError,
    MfaChallengeClosed,
    MfaCodeInvalid,
    MfaOptionInvalid,
    MfaRequired,
)
from gridlink.custodians import exchange as green_button
from gridlink.custodians.repository import CustodianRepository
from gridlink.kit.logging import crash_trace
from gridlink.kit.outages import is_transient, retry_transient
from gridlink.kit.request_context import bind_job, start_job
from gridlink.kit.tasks import cancel_and_wait
from gridlink.kit.totp import VAULT_FIELD as TOTP_FIELD
from gridlink.kit.vault import Owner, SealedValueMissing, Vault
from gridlink.kit.wakeup import Waiter
from gridlink.models import ConnectionAttempt

if TYPE_CHECKING:
    from gridlink.attempts.runner import AttemptRunner

logger = logging.getLogger(__name__)
T = TypeVar("T")
Change = Callable[[AsyncSession, ConnectionAttempt], Awaitable[None]]


@dataclass
class Job:
    utility_id: str
    credentials: Credentials
    session_token: SessionToken | None
    who: limits.SignIn


class Execution:
    def __init__(self, runner: AttemptRunner, attempt_id: str) -> None:
        self.runner = runner
        self.attempt_id = attempt_id
        self.loop = asyncio.get_running_loop()
        self.deadline = self.loop.time() + runner.settings.connect_wait.total_seconds()
        self.is_pending = False
        self.handled_input = 0
        self.new_token: SessionToken | None = None
        self.username_hash: str | None = None
        self.who: limits.SignIn | None = None
        self.challenge_expires_at: datetime | None = None

    async def run(self) -> None:
        start_job(attempt_id=self.attempt_id)  # on every log line of this task (its own context)
        try:
            await self._run()
        except asyncio.CancelledError:
            await self._fail(INTERRUPTED)
            raise
        except AttemptGone:
            pass  # deleted with its credential or end user; its secrets went with them
        except InputTimeout:
            await self._fail(USER_TIMEOUT)
        except ChallengeExpired:
            await self._fail(CHALLENGE_EXPIRED)
        except MfaLimitReached as reached:
            await self._fail(mfa_limited(reached.message))
        except SessionEnded:
            await self._session_ended()
        except WentBack:
            await self._cancelled()
        except ConnectorError as error:
            if isinstance(error, MfaRequired):
                await self._fail(MFA_AFTER_PENDING)
            else:
                await self._fail(failure_of(error))
        except Exception as error:
            # A connector's bug may quote this sign-in's secrets: where, never what (crash_trace).
            logger.error(
                "connection attempt crashed",
                extra={
                    "attempt_id": self.attempt_id,
                    "error": type(error).__name__,
                    "trace": crash_trace(error),
                },
            )
            await self._fail(INTERRUPTED)

    async def _run(self) -> None:
        loaded = await self._load()
        if loaded is None:
            # Green Button Connect: no sign-in dialog, a code to exchange (custodians/).
            await green_button.exchange_code(self.runner, self.attempt_id)
            return
        job, offset = loaded
        self.username_hash = job.who.username_hash
        self.who = job.who
        context = self.runner.pacing.context(
            job.utility_id, clock=client_clock(self.runner.clock, offset)
        )
        connector = self.runner.registry.create(job.utility_id, context)
        connector_session = await self._login(connector, job)
        async with connector_session:
            accounts = await self._utility(connector_session.fetch_accounts())
            token = connector_session.session_token or self.new_token

        async def verify(session: AsyncSession, attempt: ConnectionAttempt) -> None:
            await outcomes.verified(
                session,
                self.runner.clock,
                self.runner.vault,
                attempt,
                token=token,
                accounts=accounts,
            )

        await self._update(verify)

    async def _load(self) -> tuple[Job, int] | None:
        """The sign-in to run, or None for a Green Button Connect authorization's attempt."""
        vault = self.runner.vault
        async with self.runner.db.transaction(write=False) as session:
            repo = AttemptRepository(session)
            attempt = await repo.get(self.attempt_id)
            credential = None if attempt is None else await repo.credential(attempt.credential_id)
            if attempt is None or credential is None:
                raise AttemptGone
            bind_job(credential_id=credential.id)
            if await CustodianRepository(session).authorization_of_attempt(attempt.id):
                return None
            source = Owner(attempt.client_id, attempt.id if attempt.new_login else credential.id)
            username = (await vault.open(session, owner=source, field="username")).decode()
            password = (await vault.open(session, owner=source, field="password")).decode()
            credential_owner = Owner(credential.client_id, credential.id)
            totp_secret = await _totp_secret(
                vault, session, Owner(attempt.client_id, attempt.id), credential_owner
            )
            token = None
            with contextlib.suppress(SealedValueMissing):
                value = await vault.open(
                    session, owner=Owner(credential.client_id, credential.id), field="session_token"
                )
                token = SessionToken(value.decode(), credential.mfa_session_expires_at)
            offset = await repo.client_offset(attempt.client_id)
            environment = await repo.client_environment(attempt.client_id)
        who = limits.SignIn(
            attempt.client_id,
            credential.user_id,
            attempt.utility_id,
            limits.username_hash(attempt.utility_id, username),
            attempt.client_ip,
            environment == "live",
        )
        job = Job(attempt.utility_id, Credentials(username, password, totp_secret), token, who)
        return job, offset

    async def _login(self, connector: Connector, job: Job) -> ConnectorSession:
        try:
            return await self._utility(
                connector.login(job.credentials, session_token=job.session_token)
            )
        except MfaRequired as needed:
            if self.is_pending:
                raise
            self.new_token = await self._mfa(connector, needed.challenge)
            return await self._utility(
                connector.login(job.credentials, session_token=self.new_token)
            )

    async def _utility(self, call: Awaitable[T]) -> T:
        """Await a call to the utility; past the widget's wait, show ``pending`` and go on."""
        task = asyncio.ensure_future(call)
        try:
            if not self.is_pending:
                wait = max(0.0, self.deadline - self.loop.time())
                done, _ = await asyncio.wait({task}, timeout=wait)
                if not done:
                    self.is_pending = True
                    await self._update(lambda s, a: outcomes.mark_pending(s, self._now(), a))
            return await task
        finally:
            # Cancelled while waiting (the worker stops): the call to the utility ends too.
            if not task.done():
                await cancel_and_wait(task)

    def _now(self) -> datetime:
        return self.runner.clock.now()

    async def _mfa(self, connector: Connector, challenge: MfaChallenge) -> SessionToken:
        self.challenge_expires_at = self._now() + limits.MFA_CHALLENGE_TTL
        options = challenge.options
        selected: str | None = None
        if len(options) == 1:
            await self._send_code(connector, challenge, options[0].id)
            selected = options[0].id
        status = "mfa_method" if len(options) > 1 else "mfa_code"
        await self._show(
            status, challenge, selected, limits.MAX_MFA_CODES, self._sent(challenge, selected)
        )
        codes = 0
        while True:
            kind, option_id, code = await self._next_input()
            if kind == CLOSE:
                raise InputTimeout
            if kind == BACK:
                raise WentBack
            if kind in ("mfa_option", "resend") and option_id is not None:
                refusal = await self._mfa_refusal(limits.SENT)
                if refusal is not None and selected is not None:
                    # A code is on its way already: the end user may still enter it.
                    left = limits.MAX_MFA_CODES - codes
                    await self._show("mfa_code", challenge, selected, left, refusal)
                    continue
                if refusal is not None:
                    raise MfaLimitReached(refusal)
                try:
                    await self._send_code(connector, challenge, option_id)
                except MfaOptionInvalid as invalid:
                    await self._show("mfa_method", challenge, None, None, invalid.message)
                    continue
                selected = option_id
                await self._show(
                    "mfa_code",
                    challenge,
                    selected,
                    limits.MAX_MFA_CODES - codes,
                    self._sent(challenge, selected),
                )
                continue
            if kind != "mfa_code" or code is None:
                continue
            refusal = await self._mfa_refusal(limits.TRIED)
            if refusal is not None:
                raise MfaLimitReached(refusal)
            await self._record_mfa(limits.TRIED)
            codes += 1
            try:
                return await self._utility(connector.submit_mfa_code(challenge, code))
            except MfaCodeInvalid as wrong:
                left = limits.MAX_MFA_CODES - codes
                if wrong.attempts_left is not None:
                    left = min(left, wrong.attempts_left)
                if left <= 0:
                    raise MfaChallengeClosed from None
                await self._show(
                    "mfa_code",
                    challenge,
                    selected,
                    left,
                    f"That code is not right. {left} attempt(s) left.",
                )

    async def _send_code(self, connector: Connector, challenge: MfaChallenge, option: str) -> None:
        """Have the utility send a code, unless this login had its share (counted first: a
        send that fails at the utility may still have reached the phone)."""
        refusal = await self._mfa_refusal(limits.SENT)
        if refusal is None:
            refusal = await self._mfa_refusal(limits.TRIED)  # no code could be tried anyway
        if refusal is not None:
            raise MfaLimitReached(refusal)
        await self._record_mfa(limits.SENT)
        await self._utility(connector.select_mfa_option(challenge, option))

    async def _mfa_refusal(self, kind: str) -> str | None:
        who = self.who
        assert who is not None

        async def read() -> str | None:
            async with self.runner.db.transaction(write=False) as session:
                return await limits.mfa_refusal(session, who, kind, self._now())

        return await self._through_outage(read, "mfa limits")

    async def _record_mfa(self, kind: str) -> None:
        who = self.who
        assert who is not None

        async def write() -> None:
            async with self.runner.db.transaction() as session:
                await limits.record_mfa(session, who, kind, self._now())

        await self._through_outage(write, "record mfa")

    async def _through_outage(self, step: Callable[[], Awaitable[T]], what: str) -> T:
        """A database step of this sign-in, tried again while the database is briefly away
        (up to a lease): the utility session lives only in this task, so giving up loses it."""
        return await retry_transient(
            step, give_up_after=self.runner.settings.lease.total_seconds(), what=what
        )

    @staticmethod
    def _sent(challenge: MfaChallenge, option_id: str | None) -> str:
        option = challenge.option(option_id) if option_id else None
        if option is None:
            return "Choose where to receive a verification code."
        return f"Enter the code sent to {option.destination}."

    async def _show(
        self,
        status: str,
        challenge: MfaChallenge,
        selected: str | None,
        attempts_left: int | None,
        message: str,
    ) -> None:
        async def change(session: AsyncSession, attempt: ConnectionAttempt) -> None:
            await outcomes.set_state(
                session,
                self._now(),
                attempt,
                status,
                message=message,
                options=challenge.options,
                selected_option_id=selected,
                attempts_left=attempts_left,
            )

        await self._update(change)

    async def _next_input(self) -> tuple[str, str | None, str | None]:
        """Wait for the end user's next input (arrives through the attempt's row), within the
        idle limit and the challenge's absolute lifetime, while the session lives."""
        limit = self.loop.time() + self.runner.settings.input_timeout.total_seconds()
        async with Waiter(self.runner.db, WORK_CHANNEL, listen=False) as waiter:
            while True:
                waiter.clear()
                try:
                    found = await self._read_input()
                except Exception as error:
                    if not is_transient(error):
                        raise
                    found = None  # the database is away: the input waits for it, and so do we
                if (
                    self.challenge_expires_at is not None
                    and self._now() >= self.challenge_expires_at
                ):
                    raise ChallengeExpired
                if found is not None:
                    self.deadline = (
                        self.loop.time() + self.runner.settings.connect_wait.total_seconds()
                    )
                    return found
                if self.loop.time() >= limit:
                    raise InputTimeout
                await waiter.wait(min(self.runner.settings.poll_seconds, limit - self.loop.time()))

    async def _read_input(self) -> tuple[str, str | None, str | None] | None:
        async with self.runner.db.transaction(write=False) as session:
            repo = AttemptRepository(session)
            attempt = await repo.get(self.attempt_id)
            if attempt is None:
                raise AttemptGone
            connect_session = await repo.connect_session(attempt.session_id)
            if connect_session is None or connect_session.ended_at is not None:
                raise SessionEnded
            if attempt.input_seq <= self.handled_input or attempt.input_kind is None:
                if connect_session.closed_at is not None:
                    return CLOSE, None, None  # closed without a word (e.g. the tab went away)
                return None
            self.handled_input = attempt.input_seq
            code = None
            if attempt.input_kind == "mfa_code":
                owner = Owner(attempt.client_id, attempt.id)
                value = await self.runner.vault.open(session, owner=owner, field="mfa_code")
                code = value.decode()
            return attempt.input_kind, attempt.input_option_id, code

    async def _update(self, change: Change) -> None:
        await self._change(change, what="attempt state", if_gone=AttemptGone)

    async def _change(
        self, change: Change, *, what: str, if_gone: type[Exception] | None = None
    ) -> None:
        """``change`` in a transaction of its own, through a short database outage. A retry
        after a commit whose answer was lost finds the attempt finished and leaves it be."""

        async def step() -> None:
            async with self.runner.db.transaction() as session:
                attempt = await AttemptRepository(session).get(self.attempt_id)
                if attempt is None:
                    if if_gone is not None:
                        raise if_gone
                    return
                if attempt.finished_at is None:
                    await change(session, attempt)

        await self._through_outage(step, what)

    async def _session_ended(self) -> None:
        async def end(session: AsyncSession, attempt: ConnectionAttempt) -> None:
            await outcomes.session_ended(session, self.runner.clock, self.runner.vault, attempt)

        await self._change(end, what="session ended")

    async def _cancelled(self) -> None:
        async def cancel(session: AsyncSession, attempt: ConnectionAttempt) -> None:
            await outcomes.cancelled(session, self.runner.clock, self.runner.vault, attempt)

        await self._change(cancel, what="attempt cancelled")

    async def _fail(self, failure: outcomes.Failure) -> None:
        async def fail(session: AsyncSession, attempt: ConnectionAttempt) -> None:
            await outcomes.failed(
                session, self.runner.clock, self.runner.vault, attempt, failure, self.username_hash
            )

        await self._change(fail, what="attempt failed")


async def _totp_secret(
    vault: Vault, session: AsyncSession, attempt: Owner, credential: Owner
) -> str | None:
    """The authenticator key this sign-in brought, else the credential's, else None."""
    for owner in (attempt, credential):
        with contextlib.suppress(SealedValueMissing):
            return (await vault.open(session, owner=owner, field=TOTP_FIELD)).decode()
    return None


__all__ = ["Execution"]
