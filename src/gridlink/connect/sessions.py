"""Connect sessions: what the widget holds once it has opened Connect with a connect token or
a connect link.

A session knows its end user, its mode (create or update), the utility (preselected, chosen, or
the credential's), whether consent was given, and the credential its attempts work on.

A token or link opens Connect again, each time in a new session, until it expires, until a
connection succeeds with it, or until its sessions used up their failed sign-ins (as Plaid's
``link_token``). Sessions of one token live side by side (a React StrictMode double open, a
double click, a second tab); the success of one ends the others, and so does revoking a link:
an ended session's bearer is refused and nothing in it verifies.

Row locks (PostgreSQL) are taken in one order everywhere: a credential's sync row, the
credential, the token or link, the session. Opens and revocations take the token's (link's) row
before touching sessions, and a success takes it before spending it, so opens, revocations and
successes of one token run one after the other and never deadlock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.attempts.limits import MAX_FAILED_PER_SOURCE
from gridlink.connect.repository import ConnectSessionRepository, ConnectTokenRepository
from gridlink.connectors.errors import MfaSessionExpired
from gridlink.credentials.methods import CredentialMethod
from gridlink.credentials.repository import CredentialRepository
from gridlink.errors import Conflict, InvalidRequest, TokenInvalid
from gridlink.kit import tokens
from gridlink.kit.clock import Clock
from gridlink.kit.ids import new_id
from gridlink.links.service import find_usable_link, lock_link, mark_link_used
from gridlink.models import ConnectSession, UtilityCredential
from gridlink.utilities.catalog import find_visible

CONSENT_VERSION = "2026-11-01"
MFA_REFRESH = MfaSessionExpired.status_detail

START_REFUSED = (
    "This connect token cannot be used: it is unknown or expired, a connection already "
    "succeeded with it, or it had too many failed sign-ins. Ask the app for a new one (its "
    "backend creates them with POST /v1/auth/connect_token)."
)
LINK_REFUSED = (
    "This link cannot be used: it has expired, was already used, was withdrawn or had too many "
    "failed sign-ins. Ask the app for a new link."
)
# ConnectSession.end_reason when a connection succeeded with the token or link elsewhere.
SPENT = "spent"
SESSION_UNUSABLE = (
    "This Connect session has ended or expired. Close Connect and open it again from the app."
)


@dataclass(frozen=True)
class SessionContext:
    """An authenticated widget session with what the API needs of its client."""

    row: ConnectSession
    client_name: str
    environment: str
    clock_offset_seconds: int
    # Branding shown in Connect (Client.logo_url, Client.accent_color).
    client_logo_url: str | None = None
    client_accent_color: str | None = None


async def open_from_token(
    session: AsyncSession, clock: Clock, connect_token: str
) -> tuple[ConnectSession, str]:
    """Trade a connect token for a session; returns the session and its bearer (shown once)."""
    presented = tokens.present(connect_token, tokens.TokenKind.CONNECT_TOKEN)
    environment = presented.environment
    token = await ConnectTokenRepository(session).lock_openable(presented.digest, clock.now())
    if (
        token is None
        or environment is None
        or await ConnectSessionRepository(session).failed_logins_of(token_id=token.id, link_id=None)
        >= MAX_FAILED_PER_SOURCE
    ):
        raise TokenInvalid(START_REFUSED)
    spec = SessionSpec(
        client_id=token.client_id,
        user_id=token.user_id,
        mode=token.mode,
        utility_id=token.utility_id,
        credential_id=token.utility_credential_id,
        products=list(token.products),
        language=token.language,
        redirect_uri=token.redirect_uri,
        expires_at=token.expires_at,
        connect_token_id=token.id,
    )
    return await create_session(session, clock, spec, environment)


LINK_SESSION_TTL = timedelta(minutes=30)


async def open_from_link(
    session: AsyncSession, clock: Clock, link_token: str
) -> tuple[ConnectSession, str]:
    """Open an update-mode session from a connect link (72 h, dead once a repair succeeded).
    The session lasts 30 minutes, never past the link's own expiry."""
    environment = tokens.parse(link_token, tokens.TokenKind.CONNECT_LINK)
    now = clock.now()
    link = await find_usable_link(session, clock, link_token, lock=True)  # None when malformed
    credential = (
        None
        if link is None
        else await CredentialRepository(session).get_for_client(link.client_id, link.credential_id)
    )
    if (
        link is None
        or credential is None
        or environment is None
        or await ConnectSessionRepository(session).failed_logins_of(token_id=None, link_id=link.id)
        >= MAX_FAILED_PER_SOURCE
    ):
        raise TokenInvalid(LINK_REFUSED)
    spec = SessionSpec(
        client_id=link.client_id,
        user_id=credential.user_id,
        mode="update",
        utility_id=credential.utility_id,
        credential_id=credential.id,
        products=["accounts", "statements", "intervals"],
        language=None,
        redirect_uri=link.redirect_uri,
        expires_at=min(now + LINK_SESSION_TTL, link.expires_at),
        connect_link_id=link.id,
    )
    return await create_session(session, clock, spec, environment)


@dataclass(frozen=True)
class SessionSpec:
    client_id: str
    user_id: str
    mode: str
    utility_id: str | None
    credential_id: str | None
    products: list[str]
    language: str | None
    redirect_uri: str | None
    expires_at: datetime
    connect_token_id: str | None = None
    connect_link_id: str | None = None


async def create_session(
    session: AsyncSession, clock: Clock, spec: SessionSpec, environment: str
) -> tuple[ConnectSession, str]:
    bearer = tokens.generate(tokens.TokenKind.CONNECT_SESSION, environment)
    row = ConnectSession(
        id=new_id("csn"),
        client_id=spec.client_id,
        user_id=spec.user_id,
        session_hash=tokens.digest(bearer),
        mode=spec.mode,
        utility_id=spec.utility_id,
        utility_preselected=spec.utility_id is not None,
        credential_id=spec.credential_id,
        connect_token_id=spec.connect_token_id,
        connect_link_id=spec.connect_link_id,
        products=spec.products,
        language=spec.language,
        redirect_uri=spec.redirect_uri,
        failed_logins=0,
        created_at=clock.now(),
        expires_at=spec.expires_at,
    )
    await ConnectSessionRepository(session).add(row)
    return row, bearer


async def authenticate(session: AsyncSession, clock: Clock, bearer: str) -> SessionContext:
    """The session behind a widget's bearer; unknown, expired and ended look alike. (A closed
    session still reads, to show how it ended; ``require_open`` refuses input to it.)"""
    presented = tokens.present(bearer, tokens.TokenKind.CONNECT_SESSION)
    repo = ConnectSessionRepository(session)
    row = await repo.by_hash(presented.digest)
    if (
        row is None
        or presented.environment is None
        or row.expires_at <= clock.now()
        or row.ended_at is not None
    ):
        raise TokenInvalid(SESSION_UNUSABLE)
    client = await repo.client_view(row.client_id)
    assert client is not None
    return SessionContext(
        row,
        client.name,
        client.environment,
        client.clock_offset_seconds,
        client.logo_url,
        client.accent_color,
    )


def require_open(context: SessionContext) -> None:
    if context.row.closed_at is not None or context.row.ended_at is not None:
        raise TokenInvalid(SESSION_UNUSABLE)


async def lock_source(session: AsyncSession, row: ConnectSession) -> None:
    """Hold the row of the token or link that opened this session until the transaction ends,
    so sign-ins starting in two of its sessions at once are checked one after the other."""
    if row.connect_token_id is not None:
        await ConnectTokenRepository(session).lock(row.connect_token_id)
    elif row.connect_link_id is not None:
        await lock_link(session, row.connect_link_id)


async def failed_logins_of_source(session: AsyncSession, row: ConnectSession) -> int:
    """Failed sign-ins in every session opened with this session's token or link (its own
    when it has neither, as the sandbox shortcut's)."""
    if row.connect_token_id is None and row.connect_link_id is None:
        return row.failed_logins
    return await ConnectSessionRepository(session).failed_logins_of(
        token_id=row.connect_token_id, link_id=row.connect_link_id
    )


async def lock_for_verification(
    session: AsyncSession, clock: Clock, session_id: str
) -> ConnectSession | None:
    """Lock what a verification in this session would spend (its token or link, then the
    session) and return the session if it may still verify: not ended, its token not spent by
    another session, its link still usable. None otherwise. Call with the credential locked."""
    row = await ConnectSessionRepository(session).get(session_id)
    if row is None:
        return None
    token_id, link_id = row.connect_token_id, row.connect_link_id
    if token_id is not None:
        token = await ConnectTokenRepository(session).lock(token_id)
        if token is None or token.used_at is not None:
            return None
    elif link_id is not None:
        link = await lock_link(session, link_id)
        now = clock.now()
        if link is None or link.used_at or link.revoked_at or link.expires_at <= now:
            return None
    locked = await ConnectSessionRepository(session).lock(session_id)
    if locked is None or locked.ended_at is not None:
        return None
    return locked


async def spend(session: AsyncSession, clock: Clock, row: ConnectSession) -> None:
    """A connection succeeded in ``row``: its token or link opens Connect no more, and the
    other sessions it opened end (after ``lock_for_verification`` in the same transaction)."""
    now = clock.now()
    repo = ConnectSessionRepository(session)
    if row.connect_token_id is not None:
        await ConnectTokenRepository(session).mark_used(row.connect_token_id, now)
    elif row.connect_link_id is not None:
        await mark_link_used(session, clock, row.connect_link_id)
    else:
        return
    await repo.end(
        token_id=row.connect_token_id,
        link_id=row.connect_link_id,
        now=now,
        reason=SPENT,
        except_id=row.id,
    )


async def record_consent(
    context: SessionContext, now: datetime, version: str, ip: str | None, user_agent: str | None
) -> None:
    require_open(context)
    if version != CONSENT_VERSION:
        raise InvalidRequest(
            f"consent_version must be {CONSENT_VERSION!r}, the text this Connect shows; reload "
            "Connect to see the current text.",
            fields=["consent_version"],
        )
    row = context.row
    row.consent_version = version
    row.consented_at = now
    row.consent_ip = (ip or "")[:64] or None
    row.consent_user_agent = (user_agent or "")[:500] or None


async def choose_utility(session: AsyncSession, context: SessionContext, utility_id: str) -> str:
    """Pick the utility in create mode. Returns its status (e.g. ``unsupported``)."""
    require_open(context)
    row = context.row
    if row.mode == "update" or row.utility_preselected:
        raise Conflict("The utility is fixed for this session; it cannot be changed.")
    utility = await find_visible(session, utility_id, context.environment)
    if utility is None:
        raise InvalidRequest(
            "This utility is not available here; pick one from the list.", fields=["utility_id"]
        )
    row.utility_id = utility.id
    return utility.status


async def updated_credential(
    session: AsyncSession, context: SessionContext
) -> UtilityCredential | None:
    """The credential an update-mode session repairs; None in create mode."""
    row = context.row
    if row.mode != "update" or row.credential_id is None:
        return None
    return await CredentialRepository(session).get_for_client(row.client_id, row.credential_id)


def update_step(credential: UtilityCredential | None) -> str | None:
    """Where update mode starts for this credential, when not at the sign-in form: the MFA
    method step for an expired MFA session, the upload for a file credential, the utility's
    authorization page again for a Green Button Connect credential."""
    if credential is None:
        return None
    if credential.status_detail == MFA_REFRESH:
        return "mfa_refresh"
    if credential.method == CredentialMethod.FILE:
        return "upload"
    if credential.method == CredentialMethod.GREEN_BUTTON:
        return "green_button"
    return None


def next_step(context: SessionContext, *, update_start: str | None = None) -> str:
    row = context.row
    if row.closed_at is not None:
        return "closed"
    if row.mode == "create" and row.consented_at is None:
        return "consent"
    if row.utility_id is None:
        return "utility"
    return update_start or "credentials"


async def close(context: SessionContext, now: datetime) -> None:
    if context.row.closed_at is None:
        context.row.closed_at = now
