"""A third-party host app on another origin than the `gridlink serve` under test, with a backend.

The server under test answers at ``http://127.0.0.1:<p1>``; this app at ``http://localhost:<p2>``
(another host name and port: another origin, another site, so the Connect frame is a cross-site
frame, as in production). Its client is registered with the CLI (`gridlink clients create
--origin http://localhost:<p2>`), as an integrator would.

Like a real integrator's, the app has a backend that alone holds the client secret: the pages
ask it for a connect token (it calls POST /v1/auth/connect_token), for a bare-iframe URL
(POST /v1/widget_url), and to exchange the authorization code Connect hands the page
(POST /v1/auth/exchange). The browser never sees the secret.

Pages (each records what Connect tells it in ``window.hostLog``, one entry per callback or
message, in order; see HOST_LOG_JS):

- ``/script.html``: the `connect.js` script tag and `Gridlink.create()`;
- ``/react/``: the React 19 app of widget/examples/react-host (a Vite production build,
  ``<StrictMode>``, ``useConnect``), built by :func:`build_react_host`;
- ``/bare.html``: a bare iframe whose URL the backend got from POST /v1/widget_url (with
  ``?reveal=ready``, hidden until Connect's READY, as the loader does);
- ``/returned``: where a connect link's "Return to {client}" leads (a registered redirect URI).
"""

from __future__ import annotations

import json
import mimetypes
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

from tests.e2e.harness import ROOT, Server

REACT_HOST = ROOT / "widget" / "examples" / "react-host"
VITE = ROOT / "widget" / "node_modules" / ".bin" / "vite"
REACT_PACKAGE = ROOT / "widget" / "packages" / "react" / "dist" / "index.js"
OPEN_BUTTON = "Link your utility account"
FRAME_TITLE = "Connect your utility account"

# What every host page records, in order, in window.hostLog: {kind, ...}. Kinds: "open" (at:
# when the page called open(), in ms since the epoch, as bench/widget.py compares), "load",
# "event" (name, metadata), "success" (payload), "exit" (status, metadata), "exchange" (what the
# backend answered), "message" (a raw postMessage from Connect's origin: data).
HOST_LOG_JS = """
window.hostLog = [];
window.note = (kind, fields) => window.hostLog.push({kind, ...fields});
addEventListener("message", (event) => {
  if (event.origin === GRIDLINK_ORIGIN) note("message", {data: event.data});
  else if (event.origin === location.origin && event.data === "barrier") note("barrier", {});
});
window.exchangeCode = async (code) => {
  const answer = await fetch("/api/exchange", {method: "POST",
    headers: {"Content-Type": "application/json"},
    body: JSON.stringify({authorization_code: code})});
  note("exchange", {status: answer.status, body: await answer.json()});
};
"""

SCRIPT_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Host app (script tag)</title>
<link rel="icon" href="data:,">
<script src="{gridlink}/connect.js"></script>
</head><body><main><h1>Host app</h1>
<button type="button" id="open" disabled>{open_button}</button>
</main>
<script>
const GRIDLINK_ORIGIN = "{gridlink}";
{host_log}
fetch("/api/connect_token", {{method: "POST", headers: {{"Content-Type": "application/json"}},
  body: "{{}}"}}).then((r) => r.json()).then((made) => {{
  window.clientUserId = made.client_user_id;
  const handle = Gridlink.create({{
    connectToken: made.connect_token,
    onLoad: () => note("load", {{}}),
    onEvent: (name, metadata) => note("event", {{name, metadata}}),
    onSuccess: (payload) => {{
      note("success", {{payload}});
      exchangeCode(payload.authorization_code);
    }},
    onExit: (status, metadata) => note("exit", {{status, metadata}}),
  }});
  const button = document.getElementById("open");
  button.onclick = () => {{
    note("open", {{at: performance.timeOrigin + performance.now()}});
    handle.open();
  }};
  button.disabled = false;
}});
</script></body></html>
"""

BARE_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Host app (bare iframe)</title>
<link rel="icon" href="data:,"></head>
<body><main><h1>Host app</h1>
<iframe id="connect" title="{frame_title}" width="480" height="680"></iframe>
</main>
<script>
const GRIDLINK_ORIGIN = "{gridlink}";
{host_log}
// ?reveal=ready: keep the frame hidden until Connect says READY, as the loader does (no flash
// of a half-loaded frame); otherwise it is visible from the start.
const frame = document.getElementById("connect");
if (new URLSearchParams(location.search).get("reveal") === "ready") {{
  frame.style.visibility = "hidden";
  addEventListener("message", (event) => {{
    if (event.origin === GRIDLINK_ORIGIN && event.data && event.data.event === "READY") {{
      frame.style.visibility = "";
    }}
  }});
}}
// The page hands the authorization code to its backend, which exchanges it.
addEventListener("message", (event) => {{
  const data = event.origin === GRIDLINK_ORIGIN ? event.data : null;
  if (data && data.type === "gridlink:connected") {{
    exchangeCode(data.authorization_code);
  }}
}});
fetch("/api/widget_url", {{method: "POST", headers: {{"Content-Type": "application/json"}},
  body: "{{}}"}}).then((r) => r.json()).then((made) => {{
  window.clientUserId = made.client_user_id;
  frame.src = made.url;
}});
</script></body></html>
"""

RETURNED_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Host app</title>
<link rel="icon" href="data:,"></head>
<body><main><h1>Back in Host app</h1></main></body></html>
"""


@dataclass
class HostApp:
    """The running host app: its origin, its client, and what its backend did."""

    origin: str
    server: Server
    client_id: str
    client_secret: str
    react_dist: Path | None
    exchanges: list[dict[str, Any]] = field(default_factory=list)

    @property
    def auth(self) -> httpx.BasicAuth:
        return httpx.BasicAuth(self.client_id, self.client_secret)

    @property
    def return_url(self) -> str:
        return f"{self.origin}/returned"

    # The backend: each call is what an integrator's server does with its client secret.

    def api(self, method: str, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
        headers = {"Idempotency-Key": str(uuid.uuid4())} if method == "POST" else {}
        return httpx.request(
            method, f"{self.server.url}{path}", json=body, auth=self.auth, headers=headers
        )

    def connect_token(self, client_user_id: str) -> dict[str, Any]:
        answer = self.api("POST", "/v1/auth/connect_token", {"client_user_id": client_user_id})
        answer.raise_for_status()
        made: dict[str, Any] = answer.json()
        return made

    def widget_url(self, client_user_id: str) -> str:
        body = {"client_user_id": client_user_id, "target_origin": self.origin}
        answer = self.api("POST", "/v1/widget_url", body)
        answer.raise_for_status()
        return str(answer.json()["url"])

    def exchange(self, code: str) -> httpx.Response:
        answer = self.api("POST", "/v1/auth/exchange", {"authorization_code": code})
        self.exchanges.append({"status": answer.status_code, "body": answer.json()})
        return answer

    def linked_credential(self, client_user_id: str) -> str:
        """A verified user_good credential, made without the widget (the sandbox shortcut)."""
        answer = self.api(
            "POST",
            "/v1/sandbox/utility_credentials",
            {
                "client_user_id": client_user_id,
                "utility_id": "sandbox_electric",
                "username": "user_good",
                "password": "pass_good",
            },
        )
        answer.raise_for_status()
        return str(answer.json()["utility_credential_id"])

    def connect_link(self, credential_id: str) -> dict[str, Any]:
        """A new connect link for the credential ({id, url, expires_at}), returning to
        /returned."""
        answer = self.api(
            "POST",
            f"/v1/utility_credentials/{credential_id}/connect_link",
            {"redirect_uri": self.return_url},
        )
        answer.raise_for_status()
        made: dict[str, Any] = answer.json()
        return made

    def link_status(self, credential_id: str, link_id: str) -> str:
        answer = self.api("GET", f"/v1/utility_credentials/{credential_id}/connect_links")
        answer.raise_for_status()
        [link] = [link for link in answer.json()["data"] if link["id"] == link_id]
        return str(link["status"])

    def credential(self, credential_id: str) -> dict[str, Any]:
        answer = self.api("GET", f"/v1/utility_credentials/{credential_id}")
        answer.raise_for_status()
        found: dict[str, Any] = answer.json()
        return found


def _page(template: str, app: HostApp) -> bytes:
    return template.format(
        gridlink=app.server.url,
        host_log=HOST_LOG_JS,
        open_button=OPEN_BUTTON,
        frame_title=FRAME_TITLE,
    ).encode()


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        # A browser context closed mid-answer (the end of a run) is no error of the app's.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def _handler(app: HostApp) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?")[0]
            if path == "/script.html":
                self._send(200, "text/html; charset=utf-8", _page(SCRIPT_PAGE, app))
            elif path == "/bare.html":
                self._send(200, "text/html; charset=utf-8", _page(BARE_PAGE, app))
            elif path == "/returned":
                self._send(200, "text/html; charset=utf-8", RETURNED_PAGE.encode())
            elif path.startswith("/react/") and app.react_dist is not None:
                self._static(app.react_dist, path.removeprefix("/react/") or "index.html")
            else:
                self.send_error(404)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            user = body.get("client_user_id") or f"host-{uuid.uuid4()}"
            if self.path == "/api/connect_token":
                made = app.connect_token(user)
                answer = {
                    "connect_token": made["connect_token"],
                    "client_user_id": user,
                    "gridlink_url": app.server.url,
                }
                self._json(200, answer)
            elif self.path == "/api/widget_url":
                self._json(200, {"url": app.widget_url(user), "client_user_id": user})
            elif self.path == "/api/exchange":
                exchanged = app.exchange(str(body.get("authorization_code")))
                self._json(exchanged.status_code, exchanged.json())
            else:
                self.send_error(404)

        def _static(self, root: Path, name: str) -> None:
            file = (root / name).resolve()
            if not file.is_relative_to(root.resolve()) or not file.is_file():
                self.send_error(404)
                return
            kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
            self._send(200, kind, file.read_bytes())

        def _json(self, status: int, payload: object) -> None:
            self._send(status, "application/json", json.dumps(payload).encode())

        def _send(self, status: int, kind: str, content: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(content)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(content)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@contextmanager
def host_app(server: Server, react_dist: Path | None = None) -> Iterator[HostApp]:
    """Start the host app on http://localhost:<free port>, with a client of its own that has
    that origin (and its /returned page as a redirect URI) registered; stop it after."""
    http = _Server(("127.0.0.1", 0), BaseHTTPRequestHandler)
    origin = f"http://localhost:{http.server_address[1]}"
    made = json.loads(
        server.cli(
            "clients",
            "create",
            "Host app",
            "--origin",
            origin,
            "--redirect-uri",
            f"{origin}/returned",
            "--json",
        )
    )
    app = HostApp(origin, server, made["client_id"], made["client_secret"], react_dist)
    http.RequestHandlerClass = _handler(app)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    try:
        yield app
    finally:
        http.shutdown()
        http.server_close()


def build_react_host(out_dir: Path) -> Path:
    """Build widget/examples/react-host for production into ``out_dir`` (a fresh build every
    time, so it always bundles the @gridlink/react and loader that `make widget-build` just
    built; a few seconds)."""
    for needed in (VITE, REACT_PACKAGE):
        if not needed.is_file():
            raise RuntimeError(f"{needed} is missing: run `make widget-build`")
    done = subprocess.run(
        [str(VITE), "build", "--mode", "production", "--outDir", str(out_dir), "--emptyOutDir"],
        cwd=REACT_HOST,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the React host app did not build:\n{done.stdout}\n{done.stderr}")
    return out_dir
