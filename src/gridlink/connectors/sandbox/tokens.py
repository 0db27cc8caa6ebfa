"""Sandbox session tokens: the login history the engine stores and passes back.

A token is ``gls1.<base64url json>.<mac>``. Its payload binds it to one sandbox user
(utility, username hash, scenario) and records when it was issued, so the sandbox stays
stateless: everything it must remember between logins (MFA done, first login time) comes
back in the token. The MAC (a fixed, public key: this is a sandbox) only catches tokens
that were altered or truncated in storage.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from gridlink.connectors.base import SessionToken

_PREFIX = "gls1"
_MAC_KEY = b"gridlink-sandbox-session-token"


@dataclass(frozen=True, slots=True)
class TokenClaims:
    user: str  # user_key(utility_id, username)
    scenario: str
    issued_at: datetime
    expires_at: datetime | None


def user_key(utility_id: str, username: str) -> str:
    return hashlib.sha256(f"{utility_id}\x00{username}".encode()).hexdigest()[:24]


def mint(claims: TokenClaims) -> SessionToken:
    """Times are kept to the second, so ``expires_at`` equals what ``read`` returns."""
    expires_at = None if claims.expires_at is None else claims.expires_at.replace(microsecond=0)
    payload = {
        "u": claims.user,
        "s": claims.scenario,
        "iat": int(claims.issued_at.timestamp()),
        "exp": None if expires_at is None else int(expires_at.timestamp()),
    }
    body = base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode()
    body = body.rstrip("=")
    return SessionToken(f"{_PREFIX}.{body}.{_mac(body)}", expires_at)


def read(token: SessionToken | None) -> TokenClaims | None:
    """The claims of a well-formed, unaltered token; None for anything else."""
    if token is None:
        return None
    parts = token.value.split(".")
    if len(parts) != 3 or parts[0] != _PREFIX or not hmac.compare_digest(parts[2], _mac(parts[1])):
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
        expires = payload["exp"]
        return TokenClaims(
            user=str(payload["u"]),
            scenario=str(payload["s"]),
            issued_at=datetime.fromtimestamp(int(payload["iat"]), UTC),
            expires_at=None if expires is None else datetime.fromtimestamp(int(expires), UTC),
        )
    except (ValueError, KeyError, TypeError):
        return None


def _mac(body: str) -> str:
    return hmac.new(_MAC_KEY, body.encode(), hashlib.sha256).hexdigest()[:32]
