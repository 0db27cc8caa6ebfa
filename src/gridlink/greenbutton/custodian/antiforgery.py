"""The consent form's anti-forgery token: a double-submit cookie bound to the request.

The page sets a random cookie (``SameSite=Strict``, ``HttpOnly``) and puts in the form an
HMAC of that cookie and the authorization request's query string, keyed by a secret that
lives as long as the custodian. Another site can make the browser post the form, but it can
neither read the cookie nor compute the HMAC, so its post is refused; and a token for one
authorization request does not approve another.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping

COOKIE = "custodian_consent"


class AntiForgery:
    def __init__(self) -> None:
        self._key = secrets.token_bytes(32)

    @staticmethod
    def nonce(cookies: Mapping[str, str]) -> tuple[str, bool]:
        """The browser's nonce, and whether it is new (then set it as :data:`COOKIE`)."""
        known = cookies.get(COOKIE, "")
        if len(known) >= 32:
            return known, False
        return secrets.token_urlsafe(32), True

    def token(self, nonce: str, bound_to: str) -> str:
        message = f"{nonce}\n{bound_to}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def check(self, nonce: str | None, presented: str | None, bound_to: str) -> bool:
        if not nonce or not presented:
            return False
        return hmac.compare_digest(self.token(nonce, bound_to), presented)
