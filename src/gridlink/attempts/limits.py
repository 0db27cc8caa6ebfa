"""Abuse limits on utility sign-ins and verification codes: guessing, spraying and SMS bombing
stop long before a utility locks an end user's account, and no client can lock out another's.

Every count starts with the client, so one client's failures never block another client's end
users (a username is only a username: client B's attacker must not lock client A's customer
out of their utility). What is counted, and the numbers:

Failed sign-ins (the utility refused the password, the account is locked, or a verification was
failed with too many wrong codes), checked when a sign-in starts (429 ``rate_limited``):

- 3 per connect token or connect link, over all the sessions it opened: after that it opens
  Connect no more and the app makes a new one (security.md (b): "3 failed utility logins per
  connect session → new session"; a token opens Connect again, so the count follows the token);
- 5 per login (utility + username) per client in 24 hours (security.md (b)). Sandbox usernames
  are shared fixtures (the README's ``user_good``), so sandbox logins count per end user too:
  nobody can lock them for the other developers or demo visitors of a client;
- 10 per end user per client in 24 hours, across logins (one end user trying many usernames);
- live clients only, against spraying from many end users: per IP address and client
  (``GRIDLINK_SIGN_IN_FAILURES_PER_IP_HOUR``, 20 an hour) and per client
  (``GRIDLINK_SIGN_IN_FAILURES_PER_CLIENT_HOUR``, 300 an hour). Operators tune these two: they
  depend on how many end users share an address (carrier NAT, offices, a proxy that hides the
  real address) and on the app's size. Sandbox utilities are fictional, so nothing is sprayed
  there, and a ceiling would let one visitor block everyone on a shared sandbox client.

All stay far below NIST SP 800-63B's 100 consecutive failures per account and ASVS 4.0.3
2.2.1's 100 an hour.

Verification codes, per login and client (end user too in the sandbox), across sessions:

- 5 codes per challenge (the engine enforces it whatever the connector allows; Twilio Verify
  uses the same 5 checks per verification, ASVS 6.6.3);
- sent (the utility texts, calls or emails a code): 5 an hour, 10 a day — whoever knows the
  password must not be able to bomb the end user's phone by starting sign-in after sign-in
  (Twilio Verify allows 5 sends per 10-minute verification; ours spans every challenge);
- tried: 10 an hour, 20 a day (two and four full challenges), so guessing a 6-digit code stays
  below a 1-in-50,000 chance a day;
- a challenge lives 10 minutes from when it is shown, however active the end user is (absolute,
  not idle: ASVS 6.5.5); a code sent after that ends the sign-in as ``timeout``.

Counts are checked before acting and recorded as the act happens, so concurrent sign-ins can
overshoot a limit by the few that were already running, never more.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.attempts.limit_repository import LimitKey, LimitRepository
from gridlink.config import Settings
from gridlink.errors import RateLimited
from gridlink.kit.clock import Clock

HOUR = timedelta(hours=1)
DAY = timedelta(hours=24)

MAX_FAILED_PER_SOURCE = 3
MAX_FAILED_PER_LOGIN = 5
LOGIN_WINDOW = DAY
MAX_FAILED_PER_END_USER = 10
MAX_MFA_CODES = 5
MFA_CHALLENGE_TTL = timedelta(minutes=10)
MFA_SENT_LIMITS = ((HOUR, 5), (DAY, 10))
MFA_TRIED_LIMITS = ((HOUR, 10), (DAY, 20))
SENT = "sent"
TRIED = "tried"
FAILURE_STATUS_DETAILS = frozenset({"INVALID_CREDENTIALS", "ACCOUNT_LOCKED"})

SOURCE_REFUSED = (
    "Too many failed sign-ins. Close Connect and start again from the app; check your password "
    "on the utility's website first."
)
LOGIN_REFUSED = (
    "Too many failed sign-ins for this username today. To avoid locking your utility account, "
    "wait a day, or reset your password on the utility's website first."
)
END_USER_REFUSED = (
    "Too many failed sign-ins today. Wait a day, and check your username and password on the "
    "utility's website first."
)
IP_REFUSED = "Too many failed sign-ins from your network. Wait an hour, then try again."
CLIENT_REFUSED = (
    "Too many failed sign-ins through this app right now. Wait an hour, then try again."
)
MFA_SENT_REFUSED = (
    "Too many verification codes were sent for this login recently. Wait an hour, then try again."
)
MFA_TRIED_REFUSED = (
    "Too many verification codes were tried for this login recently. Wait an hour, then try again."
)


@dataclass(frozen=True)
class Ceilings:
    """The operator-tuned ceilings against spraying (live clients only)."""

    failures_per_ip_hour: int = 20
    failures_per_client_hour: int = 300

    @classmethod
    def from_settings(cls, settings: Settings) -> Ceilings:
        return cls(
            failures_per_ip_hour=settings.sign_in_failures_per_ip_hour,
            failures_per_client_hour=settings.sign_in_failures_per_client_hour,
        )


@dataclass(frozen=True)
class SignIn:
    """Who signs in where: what every limit counts by."""

    client_id: str
    user_id: str
    utility_id: str
    username_hash: str | None
    ip: str | None
    live: bool

    def login(self) -> LimitKey | None:
        """The login's key: per client (live), per client and end user (sandbox fixtures)."""
        if self.username_hash is None:
            return None
        return LimitKey(
            self.client_id,
            utility_id=self.utility_id,
            username_hash=self.username_hash,
            user_id=None if self.live else self.user_id,
        )


def username_hash(utility_id: str, username: str) -> str:
    """Identifies a login without keeping the username in clear outside the vault."""
    normalized = username.strip().lower()
    return hashlib.sha256(f"gridlink-login\0{utility_id}\0{normalized}".encode()).hexdigest()


async def purge_expired(session: AsyncSession, clock: Clock) -> int:
    """Failures and codes older than the longest window no longer count; a worker job removes
    them."""
    return await LimitRepository(session).purge(clock.now() - DAY)


def _seconds_until(times: list[datetime], window: timedelta, now: datetime) -> int:
    """When the oldest of the counted events leaves the window (the count drops below)."""
    return max(1, math.ceil((times[-1] + window - now).total_seconds()))


async def check_sign_in(
    session: AsyncSession,
    who: SignIn,
    source_failures: int,
    now: datetime,
    ceilings: Ceilings,
) -> None:
    """Refuse to start a sign-in past any limit (429 ``rate_limited``, ``Retry-After``)."""
    repo = LimitRepository(session)
    if source_failures >= MAX_FAILED_PER_SOURCE:
        raise RateLimited(SOURCE_REFUSED, retry_after=0)
    checks: list[tuple[LimitKey | None, int, timedelta, str]] = [
        (who.login(), MAX_FAILED_PER_LOGIN, LOGIN_WINDOW, LOGIN_REFUSED),
        (
            LimitKey(who.client_id, user_id=who.user_id),
            MAX_FAILED_PER_END_USER,
            DAY,
            END_USER_REFUSED,
        ),
    ]
    if who.live:
        checks += [
            (
                LimitKey(who.client_id, ip=who.ip) if who.ip else None,
                ceilings.failures_per_ip_hour,
                HOUR,
                IP_REFUSED,
            ),
            (LimitKey(who.client_id), ceilings.failures_per_client_hour, HOUR, CLIENT_REFUSED),
        ]
    for key, limit, window, message in checks:
        if key is None:
            continue
        times = await repo.failure_times(key, now - window, limit)
        if len(times) >= limit:
            raise RateLimited(message, retry_after=_seconds_until(times, window, now))


async def record_failure(session: AsyncSession, who: SignIn, now: datetime) -> None:
    if who.username_hash is not None:
        await LimitRepository(session).add_failure(
            client_id=who.client_id,
            user_id=who.user_id,
            utility_id=who.utility_id,
            username_hash=who.username_hash,
            ip=who.ip,
            now=now,
        )


async def mfa_refusal(session: AsyncSession, who: SignIn, kind: str, now: datetime) -> str | None:
    """Why no (more) code may be sent or tried for this login now, or None if one may."""
    key = who.login()
    if key is None:
        return None
    limits, message = (
        (MFA_SENT_LIMITS, MFA_SENT_REFUSED)
        if kind == SENT
        else (MFA_TRIED_LIMITS, MFA_TRIED_REFUSED)
    )
    for window, limit in limits:
        if len(await LimitRepository(session).mfa_times(key, kind, now - window, limit)) >= limit:
            return message
    return None


async def record_mfa(session: AsyncSession, who: SignIn, kind: str, now: datetime) -> None:
    if who.username_hash is not None:
        await LimitRepository(session).add_mfa_event(
            kind=kind,
            client_id=who.client_id,
            user_id=who.user_id,
            utility_id=who.utility_id,
            username_hash=who.username_hash,
            now=now,
        )


async def clear_failures(
    session: AsyncSession, client_id: str, utility_id: str, username_hash: str
) -> None:
    """The right password was given: the login's earlier failures stop counting (OWASP)."""
    await LimitRepository(session).clear_failures(client_id, utility_id, username_hash)
