"""What the local Data Custodian remembers: registrations, codes, tokens, authorizations.

Kept in memory, on purpose. This custodian exists for tests and the sandbox: it lives as long
as one test or one sandbox process, and losing every authorization on restart is what a test
wants (a clean utility each time). A real Data Custodian is the utility's own system; nothing
here is meant to survive a restart or to be shared between processes.

Secrets are still treated as secrets: a code or token is stored only as its SHA-256 (the
plain value exists in the response that issues it, nowhere else), so a dump of this state
(``repr``, a debugger, a test failure) cannot be replayed. Client secrets are compared in
constant time. One lock guards every change: the server runs in uvicorn's thread while a
test revokes from its own.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

CODE_LIFETIME = timedelta(minutes=10)


def digest(secret: str) -> str:
    """The SHA-256 we store in place of a code or token."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_id() -> str:
    """An id for an authorization or subscription: opaque, URL-safe, unguessable."""
    return secrets.token_hex(8)


@dataclass(frozen=True, slots=True)
class Registration:
    """A third party registered with the utility (ESPI ApplicationInformation, the parts we
    use). ``scope`` is the one ESPI scope string the registration was granted; ``name`` is
    what the consent page calls the third party (the client id when not given)."""

    client_id: str
    client_secret: str = field(repr=False)
    redirect_uris: tuple[str, ...]
    notify_uri: str | None = None
    scope: str = (
        "FB=1_3_4_5_13_14_15_39;IntervalDuration=3600;BlockDuration=Daily;"
        "HistoryLength=34128000;SubscriptionFrequency=Daily;AccountCollection=1;"
    )
    name: str | None = None

    @property
    def display_name(self) -> str:
        return self.name or self.client_id

    def secret_matches(self, presented: str) -> bool:
        return hmac.compare_digest(presented.encode(), self.client_secret.encode())


class Status(StrEnum):
    ACTIVE = "active"
    REVOKED = "revoked"


@dataclass(frozen=True, slots=True)
class Authorization:
    """One customer's consent for one third party: ESPI's Authorization with its
    Subscription (the feed the tokens read)."""

    id: str
    client_id: str
    customer_id: str
    subscription_id: str
    scope: str
    created: datetime
    status: Status = Status.ACTIVE
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.status is Status.ACTIVE


@dataclass(frozen=True, slots=True)
class Code:
    """An authorization code, by its digest: single use, ten minutes."""

    digest: str
    client_id: str
    redirect_uri: str | None
    scope: str
    customer_id: str
    expires_at: datetime
    code_challenge: str | None = None
    code_challenge_method: str | None = None

    # What Authlib's AuthorizationCodeGrant asks of a code.
    def get_redirect_uri(self) -> str | None:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope


@dataclass(frozen=True, slots=True)
class Token:
    """An issued access token (and its refresh token), by digests. ``authorization_id`` is
    None for a client access token (client_credentials)."""

    access_digest: str
    refresh_digest: str | None
    client_id: str
    authorization_id: str | None
    scope: str
    issued_at: datetime
    expires_in: int
    access_revoked: bool = False
    refresh_revoked: bool = False

    def access_expired(self, now: datetime) -> bool:
        return now >= self.issued_at + timedelta(seconds=self.expires_in)

    # What Authlib's RefreshTokenGrant and RevocationEndpoint ask of a token.
    def check_client(self, client: object) -> bool:
        return getattr(client, "client_id", None) == self.client_id

    def get_scope(self) -> str:
        return self.scope


class Store:
    """The custodian's memory. Every method is safe to call from any thread."""

    def __init__(self, registrations: Iterable[Registration], now: Callable[[], datetime]):
        self.now = now
        self._lock = threading.Lock()
        self._registrations = {r.client_id: r for r in registrations}
        self._codes: dict[str, Code] = {}
        self._tokens: list[Token] = []
        self._authorizations: dict[str, Authorization] = {}

    # Registrations ---------------------------------------------------------------------

    def registration(self, client_id: str) -> Registration | None:
        return self._registrations.get(client_id)

    def registrations(self) -> tuple[Registration, ...]:
        return tuple(self._registrations.values())

    # Codes -------------------------------------------------------------------------------

    def save_code(self, code: Code) -> None:
        with self._lock:
            self._codes[code.digest] = code

    def take_code(self, plain: str, client_id: str) -> Code | None:
        """The code, removed as it is read: a code is good for one attempt, so a second
        exchange (or a guess at the PKCE verifier after a failed one) finds nothing."""
        with self._lock:
            found = self._codes.pop(digest(plain), None)
        if found is None or found.client_id != client_id or self.now() >= found.expires_at:
            return None
        return found

    # Authorizations ----------------------------------------------------------------------

    def create_authorization(self, client_id: str, customer_id: str, scope: str) -> Authorization:
        created = Authorization(
            id=new_id(),
            client_id=client_id,
            customer_id=customer_id,
            subscription_id=new_id(),
            scope=scope,
            created=self.now(),
        )
        with self._lock:
            self._authorizations[created.id] = created
        return created

    def authorization(self, authorization_id: str) -> Authorization | None:
        return self._authorizations.get(authorization_id)

    def authorizations(self, client_id: str | None = None) -> list[Authorization]:
        with self._lock:
            found = list(self._authorizations.values())
        return [a for a in found if client_id is None or a.client_id == client_id]

    def revoke_authorization(self, authorization_id: str) -> Authorization:
        """The authorization and every token issued under it stop working at once."""
        with self._lock:
            known = self._authorizations.get(authorization_id)
            if known is None:
                raise KeyError(authorization_id)
            if known.active:
                known = replace(known, status=Status.REVOKED, revoked_at=self.now())
                self._authorizations[authorization_id] = known
            self._tokens = [
                replace(t, access_revoked=True, refresh_revoked=True)
                if t.authorization_id == authorization_id
                else t
                for t in self._tokens
            ]
        return known

    # Tokens ------------------------------------------------------------------------------

    def tokens_issued(self, authorization_id: str) -> int:
        with self._lock:
            return sum(1 for t in self._tokens if t.authorization_id == authorization_id)

    def save_token(self, token: Token) -> None:
        with self._lock:
            self._tokens.append(token)

    def by_access(self, plain: str) -> Token | None:
        wanted = digest(plain)
        with self._lock:
            return next(
                (t for t in self._tokens if hmac.compare_digest(t.access_digest, wanted)), None
            )

    def by_refresh(self, plain: str) -> Token | None:
        wanted = digest(plain)
        with self._lock:
            return next(
                (
                    t
                    for t in self._tokens
                    if t.refresh_digest is not None
                    and hmac.compare_digest(t.refresh_digest, wanted)
                ),
                None,
            )

    def revoke_token(self, token: Token, *, access: bool, refresh: bool) -> None:
        with self._lock:
            self._tokens = [
                replace(
                    t,
                    access_revoked=t.access_revoked or access,
                    refresh_revoked=t.refresh_revoked or refresh,
                )
                if hmac.compare_digest(t.access_digest, token.access_digest)
                else t
                for t in self._tokens
            ]

    def usable_access(self, plain: str) -> tuple[Token, Authorization | None] | None:
        """The live access token and its authorization (None for a client token), or None
        when the token is unknown, expired, revoked, or its authorization was revoked."""
        token = self.by_access(plain)
        if token is None or token.access_revoked or token.access_expired(self.now()):
            return None
        if token.authorization_id is None:
            return token, None
        authorization = self.authorization(token.authorization_id)
        if authorization is None or not authorization.active:
            return None
        return token, authorization
