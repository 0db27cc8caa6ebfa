"""Operators: made, listed, disabled and given new passwords or TOTP keys by the
`gridlink operators` command (cli_operators.py); their sessions ended when they are disabled or
their password changes. Every change is audited in the same transaction. Never commits.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.kit.clock import Clock
from gridlink.kit.ids import new_id
from gridlink.kit.keyring import Ring
from gridlink.models import Operator
from gridlink.operators import second_factor, throttle
from gridlink.operators.audit import purge_expired as purge_audit
from gridlink.operators.audit import record_audit
from gridlink.operators.passwords import WeakPassword, hash_password
from gridlink.operators.principal import OperatorPrincipal, Role
from gridlink.operators.repository import OperatorRepository, SessionRepository

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
# Ended and expired sessions are kept a day (support questions: "why was I signed out?").
SESSION_KEEP = timedelta(days=1)
VIA_CLI = {"via": "cli"}


class OperatorError(ValueError):
    """A refused operator command; the message says what to do and never holds a password."""


def normalize_email(email: str) -> str:
    return email.strip().lower()


def principal_of(operator: Operator, ip: str | None, user_agent: str | None) -> OperatorPrincipal:
    clients = operator.client_ids
    return OperatorPrincipal(
        id=operator.id,
        email=operator.email,
        role=Role(operator.role),
        client_ids=None if clients is None else frozenset(clients),
        ip=ip,
        user_agent=user_agent,
    )


@dataclass(frozen=True)
class OperatorView:
    id: str
    email: str
    role: str
    client_ids: list[str] | None
    totp: bool
    disabled_at: datetime | None
    created_at: datetime


def _view(operator: Operator) -> OperatorView:
    return OperatorView(
        operator.id,
        operator.email,
        operator.role,
        operator.client_ids,
        operator.totp_secret_sealed is not None,
        operator.disabled_at,
        operator.created_at,
    )


async def create_operator(
    session: AsyncSession,
    clock: Clock,
    email: str,
    role: Role,
    client_ids: Sequence[str] | None,
    password: str,
) -> OperatorView:
    email = normalize_email(email)
    if not _EMAIL.match(email) or len(email) > 254:
        raise OperatorError(f"{email!r} is not an email address.")
    operators = OperatorRepository(session)
    if await operators.by_email(email) is not None:
        raise OperatorError(f"An operator {email} exists already; see `gridlink operators list`.")
    clients = sorted(set(client_ids)) if client_ids else None
    if clients:
        unknown = await operators.unknown_clients(clients)
        if unknown:
            raise OperatorError(
                f"No client {', '.join(unknown)}: give ids from `gridlink clients list`."
            )
    password_hash = await _hash(password)
    now = clock.now()
    operator = Operator(
        id=new_id("opr"),
        email=email,
        role=role.value,
        client_ids=clients,
        password_hash=password_hash,
        totp_secret_sealed=None,
        totp_last_step=None,
        disabled_at=None,
        created_at=now,
        updated_at=now,
        password_changed_at=now,
    )
    operators.add(operator)
    await session.flush()
    await _audit(
        session, clock, "operator.created", operator, {"role": role.value, "client_ids": clients}
    )
    return _view(operator)


async def list_operators(session: AsyncSession) -> list[OperatorView]:
    return [_view(o) for o in await OperatorRepository(session).listing()]


async def any_operator(session: AsyncSession) -> bool:
    return await OperatorRepository(session).count() > 0


async def totp_keys_per_key(session: AsyncSession) -> dict[str, int]:
    """Operators' sealed TOTP keys per key that sealed them: a key in use must not be retired."""
    return await OperatorRepository(session).count_totp_by_sealing_key()


async def disable_operator(session: AsyncSession, clock: Clock, email: str) -> OperatorView:
    operator = await _find(session, email)
    now = clock.now()
    if operator.disabled_at is None:
        operator.disabled_at = now
        operator.updated_at = now
    ended = await SessionRepository(session).end_all_for(operator.id, now, "disabled")
    await _audit(session, clock, "operator.disabled", operator, {"sessions_ended": ended})
    return _view(operator)


async def reset_password(
    session: AsyncSession, clock: Clock, email: str, password: str
) -> OperatorView:
    operator = await _find(session, email)
    password_hash = await _hash(password)
    now = clock.now()
    operator.password_hash = password_hash
    operator.password_changed_at = now
    operator.updated_at = now
    ended = await SessionRepository(session).end_all_for(operator.id, now, "password_reset")
    await throttle.forget_email(session, operator.email)
    await _audit(session, clock, "operator.password_reset", operator, {"sessions_ended": ended})
    return _view(operator)


@dataclass(frozen=True)
class TotpEnabled:
    operator: OperatorView
    secret: str
    uri: str


async def enable_totp(session: AsyncSession, clock: Clock, ring: Ring, email: str) -> TotpEnabled:
    """A new key (replacing any earlier one), sealed; the caller shows it once."""
    operator = await _find(session, email)
    secret = second_factor.new_secret()
    operator.totp_secret_sealed = second_factor.seal(ring, operator.id, secret)
    operator.totp_last_step = None
    operator.updated_at = clock.now()
    await _audit(session, clock, "operator.totp_enabled", operator, {})
    return TotpEnabled(
        _view(operator), secret, second_factor.provisioning_uri(secret, operator.email)
    )


async def disable_totp(session: AsyncSession, clock: Clock, email: str) -> OperatorView:
    operator = await _find(session, email)
    operator.totp_secret_sealed = None
    operator.totp_last_step = None
    operator.updated_at = clock.now()
    await _audit(session, clock, "operator.totp_disabled", operator, {})
    return _view(operator)


async def purge_expired(session: AsyncSession, clock: Clock) -> int:
    """Worker job: audit entries past the events' retention, sign-in failures past the
    throttle window, sessions that ended a day ago."""
    now = clock.now()
    return (
        await purge_audit(session, clock)
        + await throttle.purge_expired(session, now)
        + await SessionRepository(session).purge(now - SESSION_KEEP)
    )


async def end_session(session: AsyncSession, now: datetime, session_id: str, reason: str) -> None:
    await SessionRepository(session).end(session_id, now, reason)


async def _find(session: AsyncSession, email: str) -> Operator:
    email = normalize_email(email)
    operator = await OperatorRepository(session).by_email(email)
    if operator is None:
        raise OperatorError(f"No operator {email}; see `gridlink operators list`.")
    return operator


async def _hash(password: str) -> str:
    try:
        return await hash_password(password)
    except WeakPassword as exc:
        raise OperatorError(str(exc)) from None


async def _audit(
    session: AsyncSession, clock: Clock, action: str, operator: Operator, detail: dict[str, object]
) -> None:
    await record_audit(
        session,
        clock,
        None,
        action,
        target_type="operator",
        target_id=operator.id,
        detail={**VIA_CLI, "email": operator.email, **detail},
    )


async def sign_out(
    session: AsyncSession, clock: Clock, principal: OperatorPrincipal, session_id: str
) -> None:
    await end_session(session, clock.now(), session_id, "signed_out")
    await record_audit(
        session,
        clock,
        principal,
        "operator.signed_out",
        target_type="operator_session",
        target_id=session_id,
    )
