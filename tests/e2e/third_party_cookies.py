"""A Chromium profile with third-party cookies blocked or allowed, and a probe that shows which.

The switch: the profile preference ``profile.cookie_controls_mode`` (Chromium's
CookieControlsMode: 0 allow, 1 block third-party cookies, 2 block them in Incognito only), what
chrome://settings/cookies "Block third-party cookies" sets. It is written into the profile's
Preferences before launch. Command-line switches do not do it in Chromium 156: with the
preference at 0, ``--test-third-party-cookie-phaseout`` and CDP ``Network.setCookieControls``
both still let the probe's cookies through. (Debian's Chromium 156 starts a fresh profile at 1
already; the tests set it anyway, so they do not hang on a packaging default.)

The probe: one tiny HTTP server answering as two sites, http://localhost:PORT (the top page) and
http://127.0.0.1:PORT (the frame in it, third-party there, and the host name the server under
test answers on; cookies ignore ports). The frame gets a cookie from a Set-Cookie header, sets
another with ``document.cookie`` (both ``SameSite=None; Secure``, as a third-party cookie must
be, and not ``Partitioned``: CHIPS cookies survive blocking by design), then asks its server
which cookies came back.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from playwright.sync_api import BrowserContext, Playwright

from tests.e2e.harness import CHROMIUM, LAUNCH_ARGS
from tests.e2e.host import serving

BLOCK_THIRD_PARTY = 1
ALLOW_ALL = 0

_TOP = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Cookie probe</title>
<link rel="icon" href="data:,"></head><body>
<script>addEventListener("message", (event) => { window.probed = event.data; });</script>
<iframe title="probe" src="http://127.0.0.1:{port}/probe-frame"></iframe></body></html>
"""
_FRAME = b"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Probe frame</title>
<link rel="icon" href="data:,"></head><body><script>
document.cookie = "probe_script=1; SameSite=None; Secure; Path=/";
fetch("/probe-echo").then((answer) => answer.text()).then((echoed) =>
  parent.postMessage({document_cookie: document.cookie, sent_back: echoed}, "*"));
</script></body></html>
"""


@dataclass(frozen=True)
class Probed:
    """What the third-party frame could do with cookies of its own."""

    document_cookie: str  # what its script reads back
    sent_back: str  # the Cookie header of its next request
    stored: list[str]  # names of the probe's cookies in the browser's jar

    @property
    def blocked(self) -> bool:
        return not (self.document_cookie or self.sent_back or self.stored)


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        port = self.server.server_address[1]
        if self.path == "/probe-top.html":
            self._send(_TOP.replace("{port}", str(port)).encode())
        elif self.path == "/probe-frame":
            self._send(_FRAME, ("Set-Cookie", "probe_header=1; SameSite=None; Secure; Path=/"))
        elif self.path == "/probe-echo":
            self._send((self.headers.get("Cookie") or "").encode(), kind="text/plain")
        else:
            self.send_error(404)

    def _send(self, body: bytes, *extra: tuple[str, str], kind: str = "text/html") -> None:
        self.send_response(200)
        self.send_header("Content-Type", f"{kind}; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for name, value in extra:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def probe_server() -> Iterator[int]:
    """Serve the probe; yields its port."""
    with serving(_Handler) as port:
        yield port


def probe(context: BrowserContext, port: int) -> Probed:
    page = context.new_page()
    try:
        page.goto(f"http://localhost:{port}/probe-top.html")
        page.wait_for_function("() => window.probed")
        seen = page.evaluate("() => window.probed")
    finally:
        page.close()
    stored = [c["name"] for c in context.cookies() if c["name"].startswith("probe_")]
    return Probed(seen["document_cookie"], seen["sent_back"], stored)


@contextmanager
def chromium_profile(
    playwright: Playwright, folder: Path, cookie_controls_mode: int
) -> Iterator[BrowserContext]:
    """Chromium on a fresh profile in ``folder`` with that cookie setting."""
    (folder / "Default").mkdir(parents=True)
    preferences = {"profile": {"cookie_controls_mode": cookie_controls_mode}}
    (folder / "Default" / "Preferences").write_text(json.dumps(preferences))
    context = playwright.chromium.launch_persistent_context(
        folder,
        executable_path=str(CHROMIUM),
        args=LAUNCH_ARGS,
        viewport={"width": 1000, "height": 800},
    )
    context.set_default_timeout(20_000)
    try:
        yield context
    finally:
        context.close()
