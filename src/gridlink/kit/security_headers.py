"""Security headers on every response, errors included.

- Everywhere: ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: no-referrer`` (no URL
  of ours, with whatever ids it holds, leaks to another site in ``Referer``).
- Outside ``/connect``: never framed (``X-Frame-Options: DENY`` and ``frame-ancestors 'none'``,
  added to the response's own CSP when it has one). ``/connect`` is framed by each client's
  registered origins and sets its own policy (``connect/headers.py``, ``connect/frames.py``).
- The APIs (``/v1``, ``/connect/api``, ``/demo/api``, ``/dashboard/api``): ``Cache-Control:
  no-store``, whatever the route set. Tokens and secrets travel in these responses (access
  tokens, connect tokens, codes, webhook secrets, dashboard CSRF tokens: RFC 6749 §5.1 asks
  for no-store) and the rest is private data, so the rule is simply "no API response is
  stored" rather than a list to keep up.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

EVERYWHERE = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
NO_FRAMING = "frame-ancestors 'none'"
NO_STORE_PREFIXES = ("/v1/", "/connect/api/", "/demo/api/", "/dashboard/api/")


def _is_connect(path: str) -> bool:
    return path == "/connect" or path.startswith("/connect/")


def _with_no_framing(policy: str | None) -> str:
    if not policy:
        return NO_FRAMING
    if "frame-ancestors" in policy:
        return policy  # the route chose already (the demo page says 'none' itself)
    return f"{policy.rstrip('; ')}; {NO_FRAMING}"


def apply_security_headers(path: str, headers: MutableHeaders) -> None:
    """Set the headers a response to ``path`` carries (also used for the 500 answer, which
    Starlette sends from outside every middleware)."""
    headers.update(EVERYWHERE)
    if not _is_connect(path):
        headers["X-Frame-Options"] = "DENY"
        headers["Content-Security-Policy"] = _with_no_framing(
            headers.get("Content-Security-Policy")
        )
    if path.startswith(NO_STORE_PREFIXES):
        headers["Cache-Control"] = "no-store"


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                apply_security_headers(path, MutableHeaders(scope=message))
            await send(message)

        await self.app(scope, receive, send_with_headers)
