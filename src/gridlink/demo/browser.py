"""Which demo end user a browser is: one per browser, bound by a cookie the page sets.

The demo has no sign-in, so the browser itself must be the credential: ``GET /demo`` gives a
browser without one a cookie holding 256 random bits (HttpOnly: page scripts never see it;
SameSite=Strict: other sites cannot make the browser send it; Path=/demo; Secure when the
server is reached over https). The demo user id is derived from it (``demo-`` + a UUID made of
the cookie's SHA-256), so the id can be shown on the page and stored as ``client_user_id``
without revealing the cookie, and the server keeps no table of browsers. Every ``/demo/api``
call acts for that user only; a call without the cookie is refused.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid

from fastapi import Request, Response

from gridlink.config import Settings
from gridlink.errors import Forbidden

COOKIE = "gridlink_demo"
COOKIE_PATH = "/demo"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")  # secrets.token_urlsafe(32)

NO_DEMO_SESSION = (
    "This browser has no demo session (or it ended): open /demo again, which gives the browser "
    "its own demo user."
)


def user_for(token: str) -> str:
    digest = hashlib.sha256(token.encode()).digest()
    return f"demo-{uuid.UUID(bytes=digest[:16])}"


def _token(request: Request) -> str | None:
    value = request.cookies.get(COOKIE)
    return value if value is not None and _TOKEN.fullmatch(value) else None


def ensure_cookie(request: Request, response: Response, settings: Settings) -> None:
    """Give a browser without a (well-formed) demo cookie a new one."""
    if _token(request) is not None:
        return
    secure = request.url.scheme == "https" or settings.resolved_public_url().startswith("https:")
    response.set_cookie(
        COOKIE,
        secrets.token_urlsafe(32),
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=secure,
    )


def demo_user(request: Request) -> str:
    """The calling browser's demo user (a FastAPI dependency of every /demo/api route)."""
    token = _token(request)
    if token is None:
        raise Forbidden(NO_DEMO_SESSION)
    return user_for(token)
