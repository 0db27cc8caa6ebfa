"""Headers for everything under /connect: never cached, never leaking a Referer, never sniffed,
a browsing context group of its own when opened top-level, and CORS for the one endpoint a host
page calls across origins (POST /connect/api/frames).

``Cross-Origin-Opener-Policy: same-origin-allow-popups``: browsers apply COOP to top-level
documents only, so the framed page (the loader's overlay, bare iframes) is untouched and keeps
talking to its host through ``parent.postMessage``. Opened top-level (a connect link, a webview),
the page uses no ``window.opener``, and a page that opened the link with ``window.open`` loses
its handle on it (no navigating it away, no probing it). "allow-popups" because Connect opens
the utility's authorization page (Green Button Connect) in a popup and must keep its handle on
it: with ``same-origin`` the handle is cut as soon as the popup leaves for the utility, which
reads as "closed" and drops the callback page's message (measured in Chromium). The utility's
forgot-password page still opens with ``rel="noopener noreferrer"``, in a group of its own.

A middleware rather than a route dependency, so error responses carry the headers too: the
loader must be able to read a 403 that names an unregistered origin.

The loader sends its JSON body to the frames endpoint as ``text/plain``, a CORS-safelisted type,
so the browser sends the POST at once instead of a preflight first (one round trip less before
Connect shows, and no header for connect.js to carry); this middleware hands it on as the JSON it
is. Nothing is gained by a page that could not call the endpoint before: the answer is readable
by any origin anyway, and the connect token in the body and the registered ``Origin`` (sent with
every cross-origin POST) are what it checks.
"""

from __future__ import annotations

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

FRAMES_PATH = "/connect/api/frames"
# The Green Button Connect callback, opened in Connect's popup: it sets its own opener policy,
# so Connect keeps its handle on the popup (custodians/pages.py).
OWN_OPENER_POLICY = "/connect/green_button/callback"
# The Connect page's hashed assets may be cached (a new build has new names); they set their own.
CACHEABLE_PREFIX = "/connect/ui/"
CONNECT_HEADERS = {
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Opener-Policy": "same-origin-allow-popups",
}


def _cors(origin: str) -> dict[str, str]:
    # No Allow-Credentials: the connect token in the body is the credential, not a cookie.
    return {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Methods": "POST",
        "Access-Control-Allow-Headers": "Content-Type",
        "Vary": "Origin",
    }


class ConnectHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not (path == "/connect" or path.startswith("/connect/")):
            await self.app(scope, receive, send)
            return
        extra = dict(CONNECT_HEADERS)
        origin = Headers(scope=scope).get("origin")
        if path == FRAMES_PATH and origin:
            extra.update(_cors(origin))
        if path == FRAMES_PATH and scope["method"] == "OPTIONS":
            await _preflight(send, extra)
            return
        if path == FRAMES_PATH and scope["method"] == "POST":
            scope = _text_as_json(scope)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in extra.items():
                    if (name == "Cache-Control" and path.startswith(CACHEABLE_PREFIX)) or (
                        name == "Cross-Origin-Opener-Policy" and path == OWN_OPENER_POLICY
                    ):
                        headers.setdefault(name, value)
                    else:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _text_as_json(scope: Scope) -> Scope:
    """A ``text/plain`` body (the loader's, see the module doc) is read as JSON."""
    headers = [
        (b"content-type", b"application/json")
        if name == b"content-type" and value.split(b";")[0].strip().lower() == b"text/plain"
        else (name, value)
        for name, value in scope["headers"]
    ]
    return {**scope, "headers": headers}


async def _preflight(send: Send, headers: dict[str, str]) -> None:
    raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
    await send({"type": "http.response.start", "status": 204, "headers": raw})
    await send({"type": "http.response.body", "body": b""})
