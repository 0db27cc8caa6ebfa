"""Who is calling: client secrets (HTTP Basic or the token endpoint) and bearer access tokens.

Unknown, expired, rotated-out and malformed credentials all get the same answer after the same
lookup (``tokens.present``), so a caller learns nothing about which part was wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.auth.repository import AuthRepository, ClientRow
from gridlink.auth.schemas import ExchangeResponse
from gridlink.clients.clock import client_clock
from gridlink.errors import InvalidGrant, Unauthorized
from gridlink.kit import tokens
from gridlink.kit.clock import Clock
from gridlink.kit.ids import new_id
from gridlink.models import AccessToken

ACCESS_TOKEN_TTL = timedelta(hours=1)
AUTHORIZATION_CODE_TTL = timedelta(minutes=10)

INVALID_AUTHORIZATION_CODE = (
    "This authorization code cannot be exchanged: it was already used, has expired (codes are "
    "valid 10 minutes), was issued to another client, or is not a code. Have the end user "
    "connect again to get a new one."
)

BAD_CREDENTIALS = (
    "The client credentials or access token are not valid. Check the client id and secret "
    "(a rotated secret stops working when its grace period ends), or get a new access token "
    "from POST /v1/auth/token."
)


@dataclass(frozen=True)
class AuthenticatedClient:
    id: str
    name: str
    environment: str
    allowed_origins: tuple[str, ...]
    redirect_uris: tuple[str, ...]
    secret_id: str
    # Utility-side time of a sandbox client runs this far ahead (clients/clock.py).
    sandbox_clock_offset_seconds: int = 0

    def utility_clock(self, base: Clock) -> Clock:
        """The clock for this client's utility-side rules: MFA session expiry, connectors,
        syncs. Never for our own token expiries, which use ``base`` itself."""
        return client_clock(base, self.sandbox_clock_offset_seconds)


def _client(row: ClientRow) -> AuthenticatedClient:
    client_id, name, environment, origins, redirects, clock_offset, secret_id = row
    return AuthenticatedClient(
        id=client_id,
        name=name,
        environment=environment,
        allowed_origins=tuple(origins),
        redirect_uris=tuple(redirects),
        secret_id=secret_id,
        sandbox_clock_offset_seconds=int(clock_offset),
    )


async def authenticate_secret(
    session: AsyncSession, clock: Clock, client_id: str, secret: str
) -> AuthenticatedClient:
    presented = tokens.present(secret, tokens.TokenKind.CLIENT_SECRET)
    # An id no client can have is looked up as "" (nor can it): the same query as for any other
    # wrong pair, and no character PostgreSQL refuses reaches it (a NUL inside a Basic header's
    # base64 passes the edge's control-character check). Not looks_like_id: cli_demo is an id.
    plausible = len(client_id) <= 40 and client_id.isprintable()
    row = await AuthRepository(session).client_by_secret(
        client_id if plausible else "", presented.digest, clock.now()
    )
    if row is None or presented.environment is None or not plausible:
        raise Unauthorized(BAD_CREDENTIALS)
    return _client(row)


async def authenticate_bearer(
    session: AsyncSession, clock: Clock, token: str
) -> AuthenticatedClient:
    presented = tokens.present(token, tokens.TokenKind.ACCESS_TOKEN)
    row = await AuthRepository(session).client_by_access_token(presented.digest, clock.now())
    if row is None or presented.environment is None:
        raise Unauthorized(BAD_CREDENTIALS)
    return _client(row)


async def issue_access_token(
    session: AsyncSession, clock: Clock, client: AuthenticatedClient
) -> tuple[str, int]:
    value = tokens.generate(tokens.TokenKind.ACCESS_TOKEN, client.environment)
    now = clock.now()
    await AuthRepository(session).add_access_token(
        AccessToken(
            id=new_id("atok"),
            client_id=client.id,
            client_secret_id=client.secret_id,
            token_hash=tokens.digest(value),
            created_at=now,
            expires_at=now + ACCESS_TOKEN_TTL,
        )
    )
    return value, int(ACCESS_TOKEN_TTL.total_seconds())


@dataclass(frozen=True)
class AuthorizationCode:
    """A fresh code for the widget's result: hand ``value`` to the widget once, store
    ``digest`` and ``expires_at`` on the connection attempt."""

    value: str
    digest: str
    expires_at: datetime


def new_authorization_code(clock: Clock, environment: str) -> AuthorizationCode:
    value = tokens.generate(tokens.TokenKind.AUTHORIZATION_CODE, environment)
    return AuthorizationCode(value, tokens.digest(value), clock.now() + AUTHORIZATION_CODE_TTL)


async def exchange_authorization_code(
    session: AsyncSession, clock: Clock, client: AuthenticatedClient, code: str
) -> ExchangeResponse:
    """Confirm which credential a widget session produced, exactly once (RFC 6749 §4.1.2: a
    code is single use, short-lived and bound to its client). A reused, expired, foreign or
    malformed code all get the same ``invalid_grant``."""
    presented = tokens.present(code, tokens.TokenKind.AUTHORIZATION_CODE, client.environment)
    repo = AuthRepository(session)
    credential_id = await repo.redeem_authorization_code(client.id, presented.digest, clock.now())
    owner = None if credential_id is None else await repo.credential_owner(credential_id)
    if credential_id is None or owner is None or presented.environment is None:
        raise InvalidGrant(INVALID_AUTHORIZATION_CODE)
    client_user_id, utility_id = owner
    return ExchangeResponse(
        utility_credential_id=credential_id, client_user_id=client_user_id, utility_id=utility_id
    )
