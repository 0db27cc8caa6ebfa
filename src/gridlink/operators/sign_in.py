"""``POST /dashboard/api/session``: check an operator's password (and TOTP code), open a session.

A failed sign-in must be recorded (the throttle counts it, the audit log shows it) although the
answer is an error, and the request's own transaction rolls back on any error. So this flow runs
its own short transactions, like attempts/shortcut.py: a read (limits, the operator), the
Argon2id check outside any transaction (tens of milliseconds that must not hold the SQLite
writer lock), then one write that records the failure or opens the session, committed before
the error, if any, is raised.

Every refusal of email or password reads alike (``sign_in_failed``) and costs the same work: an
unknown email is checked against a dummy hash; a disabled operator's password is checked too.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.errors import GridlinkError, SignInFailed, TotpRequired
from gridlink.kit.clock import Clock
from gridlink.kit.db import Database
from gridlink.kit.keyring import Ring
from gridlink.models import Operator
from gridlink.operators import passwords, second_factor, throttle
from gridlink.operators.audit import record_audit
from gridlink.operators.principal import OperatorPrincipal
from gridlink.operators.repository import OperatorRepository
from gridlink.operators.service import normalize_email, principal_of
from gridlink.operators.sessions import OpenedSession, SessionSettings, open_session

SIGN_IN_FAILED = (
    "The email or password is wrong, or this operator is disabled. Check both and try again; "
    "an admin can reset a password with `gridlink operators reset-password`."
)
TOTP_NEEDED = (
    "Enter the 6-digit code from your authenticator app as totp_code (a code is accepted once; "
    "wait for the next one if you just used it)."
)


@dataclass(frozen=True)
class Caller:
    ip: str | None
    user_agent: str | None


@dataclass(frozen=True)
class SignedIn:
    principal: OperatorPrincipal
    opened: OpenedSession


async def sign_in(
    db: Database,
    clock: Clock,
    ring: Ring,
    limits: SessionSettings,
    caller: Caller,
    email: str,
    password: str,
    totp_code: str | None,
) -> SignedIn:
    email = normalize_email(email)
    async with db.transaction(write=False) as session:
        await throttle.check(session, clock.now(), email, caller.ip)
        found = await OperatorRepository(session).by_email(email)
    verified = await passwords.verify_password(found.password_hash if found else None, password)
    reason = _refusal(found, verified.ok)
    new_hash = None
    if reason is None and verified.needs_rehash:
        new_hash = await passwords.hash_password(password)

    refusal: GridlinkError | None = None
    signed_in: SignedIn | None = None
    async with db.transaction() as session:
        now = clock.now()
        operator = await OperatorRepository(session).by_id(found.id) if found else None
        if reason is None and (operator is None or _changed(found, operator)):
            reason = "changed"  # disabled or given a new password since the read
        if reason is None and operator is not None and operator.totp_secret_sealed is not None:
            if not totp_code:
                # The right password, no code yet: the form asks for it. Not a failure.
                refusal = TotpRequired(TOTP_NEEDED)
            elif not await _accept_code(session, ring, operator, totp_code, now):
                reason = "totp_rejected"
        if reason is not None:
            throttle.record_failure(session, now, email, caller.ip)
            await record_audit(
                session,
                clock,
                None,
                "operator.sign_in_failed",
                target_type="operator",
                target_id=operator.id if operator else None,
                detail={"reason": reason},
                email=email,
                ip=caller.ip,
                user_agent=caller.user_agent,
            )
            refusal = TotpRequired(TOTP_NEEDED) if reason == "totp_rejected" else None
            refusal = refusal or SignInFailed(SIGN_IN_FAILED)
        elif refusal is None and operator is not None:
            signed_in = await _open(session, clock, limits, caller, operator, new_hash)
    if refusal is not None:
        raise refusal
    assert signed_in is not None
    return signed_in


def _refusal(found: Operator | None, password_ok: bool) -> str | None:
    if found is None:
        return "unknown_email"
    if not password_ok:
        return "wrong_password"
    if found.disabled_at is not None:
        return "disabled"
    return None


def _changed(read: Operator | None, now: Operator) -> bool:
    # A new password (or a rehash) since the read; hashes are compared in constant time.
    return (
        read is None
        or now.disabled_at is not None
        or not secrets.compare_digest(now.password_hash, read.password_hash)
    )


async def _accept_code(
    session: AsyncSession, ring: Ring, operator: Operator, code: str, now: datetime
) -> bool:
    """Whether ``code`` is valid now and for a later step than any code accepted before; the
    step is claimed by a conditional UPDATE, so two sign-ins with one code cannot both pass."""
    assert operator.totp_secret_sealed is not None
    secret = second_factor.open_secret(ring, operator.id, operator.totp_secret_sealed)
    step = second_factor.matching_step(secret, code, now, operator.totp_last_step)
    return step is not None and await OperatorRepository(session).claim_totp_step(operator.id, step)


async def _open(
    session: AsyncSession,
    clock: Clock,
    limits: SessionSettings,
    caller: Caller,
    operator: Operator,
    new_hash: str | None,
) -> SignedIn:
    now = clock.now()
    if new_hash is not None:  # made with other Argon2 parameters: store it with today's
        operator.password_hash = new_hash
        operator.updated_at = now
    await throttle.forget_email(session, operator.email)
    opened = await open_session(
        session, now, operator, limits, ip=caller.ip, user_agent=caller.user_agent
    )
    principal = principal_of(operator, caller.ip, caller.user_agent)
    await record_audit(
        session,
        clock,
        principal,
        "operator.signed_in",
        target_type="operator_session",
        target_id=opened.row.id,
        detail={"rehashed": True} if new_hash is not None else None,
    )
    return SignedIn(principal, opened)
