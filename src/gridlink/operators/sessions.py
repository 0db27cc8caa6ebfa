"""Dashboard sessions: server-side rows found by the SHA-256 of a cookie's token.

The cookie (``gridlink_dashboard``: HttpOnly, SameSite=Strict, Path=/dashboard, Secure under
https) holds a ``glos_`` token of 256 random bits; the database holds only its digest, so a copy
of the database signs nobody in. A session ends after ``idle`` without a request, ``lifetime``
after sign-in, or when ended (sign-out, operator disabled, password reset).

CSRF: the session's CSRF token is an HMAC-SHA256 keyed by the session token, so it is stored
nowhere, can be given back by ``GET /dashboard/api/session`` after a reload, and only someone
holding the cookie's value can compute it. Every request other than GET/HEAD must carry it in
``X-CSRF-Token``, compared in constant time (``csrf_matches``); another session's token fails.

The idle deadline moves on at most once a minute (``TOUCH_EVERY``): a write costs the SQLite
writer lock, and GET requests run in read transactions, so the dependency makes that write in a
short transaction of its own for them (operators/dependencies.py).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.config import Settings
from gridlink.kit import tokens
from gridlink.kit.ids import new_id
from gridlink.models import Operator, OperatorSession
from gridlink.operators.repository import SessionRepository

COOKIE = "gridlink_dashboard"
COOKIE_PATH = "/dashboard"
CSRF_HEADER = "X-CSRF-Token"
TOUCH_EVERY = timedelta(minutes=1)
# Session tokens name no client environment; "live" only fills the token format's slot.
_ENVIRONMENT = "live"
_CSRF_LABEL = b"gridlink dashboard csrf v1"
_USER_AGENT_MAX = 255


@dataclass(frozen=True)
class SessionSettings:
    idle: timedelta
    lifetime: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> SessionSettings:
        return cls(
            idle=timedelta(minutes=settings.dashboard_idle_minutes),
            lifetime=timedelta(hours=settings.dashboard_session_hours),
        )


def csrf_token(session_token: str) -> str:
    mac = hmac.new(session_token.encode(), _CSRF_LABEL, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def csrf_matches(session_token: str, presented: str | None) -> bool:
    if not presented:
        return False
    return secrets.compare_digest(csrf_token(session_token).encode(), presented.encode())


@dataclass(frozen=True)
class OpenedSession:
    token: str
    row: OperatorSession


async def open_session(
    session: AsyncSession,
    now: datetime,
    operator: Operator,
    limits: SessionSettings,
    *,
    ip: str | None,
    user_agent: str | None,
) -> OpenedSession:
    token = tokens.generate(tokens.TokenKind.OPERATOR_SESSION, _ENVIRONMENT)
    row = OperatorSession(
        id=new_id("osn"),
        token_hash=tokens.digest(token),
        operator_id=operator.id,
        created_at=now,
        last_seen_at=now,
        idle_expires_at=min(now + limits.idle, now + limits.lifetime),
        expires_at=now + limits.lifetime,
        ended_at=None,
        end_reason=None,
        ip=ip,
        user_agent=user_agent[:_USER_AGENT_MAX] if user_agent else None,
    )
    SessionRepository(session).add(row)
    return OpenedSession(token, row)


def is_live(row: OperatorSession, now: datetime) -> bool:
    return row.ended_at is None and now < row.idle_expires_at and now < row.expires_at


def next_idle_deadline(row: OperatorSession, now: datetime, limits: SessionSettings) -> datetime:
    return min(now + limits.idle, row.expires_at)


def due_for_touch(row: OperatorSession, now: datetime) -> bool:
    return now - row.last_seen_at >= TOUCH_EVERY


async def find(session: AsyncSession, token: str) -> tuple[OperatorSession, Operator] | None:
    """The session a cookie's value names, with its operator. A malformed value is looked up
    too, by a digest no session has (kit/tokens.present), so both refusals cost the same."""
    presented = tokens.present(token, tokens.TokenKind.OPERATOR_SESSION)
    return await SessionRepository(session).by_token_hash(presented.digest)


async def touch(
    session: AsyncSession, row: OperatorSession, now: datetime, limits: SessionSettings
) -> None:
    """Move the idle deadline on (a request was made)."""
    await SessionRepository(session).touch(row.id, now, next_idle_deadline(row, now, limits))
