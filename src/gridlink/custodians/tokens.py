"""A Connect My Data credential's tokens, as sealed in the vault (field ``oauth_tokens``).

Access and refresh token are sealed together, one JSON value, so a refresh that rotates both
replaces both in one write.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

VAULT_FIELD = "oauth_tokens"
# Refresh this long before the access token expires, so a fetch never starts with one about to.
EARLY = timedelta(minutes=2)


class TokenAnswerInvalid(ValueError):
    """The custodian's token answer lacks what Connect My Data needs."""


@dataclass(frozen=True)
class TokenSet:
    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    expires_at: datetime | None
    resource_uri: str | None = None
    authorization_uri: str | None = None

    @classmethod
    def from_answer(cls, answer: dict[str, Any], now: datetime) -> TokenSet:
        access = answer.get("access_token")
        if not isinstance(access, str) or not access:
            raise TokenAnswerInvalid("the token answer has no access_token")
        refresh = answer.get("refresh_token")
        expires_in = answer.get("expires_in")
        expires_at = None
        if isinstance(expires_in, int | float) and expires_in > 0:
            expires_at = now + timedelta(seconds=float(expires_in))
        return cls(
            access_token=access,
            refresh_token=refresh if isinstance(refresh, str) and refresh else None,
            expires_at=expires_at,
            resource_uri=_text(answer.get("resourceURI")),
            authorization_uri=_text(answer.get("authorizationURI")),
        )

    def needs_refresh(self, now: datetime) -> bool:
        return self.expires_at is not None and now >= self.expires_at - EARLY

    def sealed_form(self) -> bytes:
        """What goes into the vault: the two tokens and the access token's expiry."""
        return json.dumps(
            {
                "access_token": self.access_token,
                "refresh_token": self.refresh_token,
                "expires_at": self.expires_at.isoformat() if self.expires_at else None,
            }
        ).encode()

    @classmethod
    def from_sealed(cls, value: bytes) -> TokenSet:
        data = json.loads(value)
        expires = data.get("expires_at")
        return cls(
            access_token=data["access_token"],
            refresh_token=data.get("refresh_token"),
            expires_at=datetime.fromisoformat(expires) if expires else None,
        )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
