"""A third-party host page for bare-iframe mode, on its own loopback origins.

One tiny HTTP server on 127.0.0.1:PORT answers as two origins, http://127.0.0.1:PORT and
http://localhost:PORT (browsers treat them as different sites). Its page frames the URL given in
its fragment and records every message it receives, with the sender's origin.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOST_PAGE = b"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Host app</title>
<link rel="icon" href="data:,"></head>
<body><main><h1>Host app</h1>
<iframe id="connect" title="Connect your utility account" width="480" height="640"></iframe>
</main>
<script>
  window.received = [];
  addEventListener("message", (event) => {
    window.received.push({origin: event.origin, data: event.data});
  });
  document.getElementById("connect").src = decodeURIComponent(location.hash.slice(5));
</script></body></html>
"""


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path.split("?")[0] != "/host.html":
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(HOST_PAGE)))
        self.end_headers()
        self.wfile.write(HOST_PAGE)

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[int]:
    """Serve ``handler`` on a free loopback port, in a thread; yields the port."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def host_server() -> Iterator[int]:
    """Serve the host page; yields its port."""
    with serving(_Handler) as port:
        yield port
