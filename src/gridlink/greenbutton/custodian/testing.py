"""Run a custodian on a loopback port, for tests that talk to it as a real client would.

``serve_custodian`` binds 127.0.0.1 on a free port first (the custodian's URLs need its base
URL before it starts), runs uvicorn in a background thread, and yields ``(base_url,
custodian)``; a browser test uses ``base_url`` as "another origin". Also :func:`serve_app`
for any ASGI app that needs to know its own URL first.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NamedTuple

import uvicorn

from gridlink.greenbutton.custodian.app import Custodian, create_custodian

_START_TIMEOUT = 10.0


class Served(NamedTuple):
    base_url: str
    custodian: Custodian


@contextmanager
def serve_app(
    build: Callable[[str], Any], *, prefix: str = "", tls: dict[str, Any] | None = None
) -> Iterator[tuple[str, Any]]:
    """``build(base_url)`` makes the ASGI app; yields ``(base_url, what build returned)``.
    ``build`` may return an object with an ``app`` attribute (a :class:`Custodian`). ``tls``:
    uvicorn's ``ssl_*`` options (certificate, key, and for mutual TLS the CA and
    ``ssl_cert_reqs``); the URL is then https."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    base_url = f"{'https' if tls else 'http'}://127.0.0.1:{port}{prefix}"
    built = build(base_url)
    app = getattr(built, "app", built)
    # No logging set-up of uvicorn's own: it would change process-wide loggers (access_log=False
    # stops "uvicorn.access" propagating for every later test in this process).
    config = uvicorn.Config(app, log_config=None, log_level=None, lifespan="off", **(tls or {}))
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [listener]}, name=f"uvicorn:{port}", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + _START_TIMEOUT
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            listener.close()
            raise RuntimeError(f"the server on port {port} did not start")
        time.sleep(0.01)
    try:
        yield base_url, built
    finally:
        server.should_exit = True
        thread.join(timeout=_START_TIMEOUT)
        listener.close()


@contextmanager
def serve_custodian(**options: Any) -> Iterator[Served]:
    """``create_custodian``'s keyword arguments except ``base_url``; yields ``(base_url,
    custodian)`` while it serves on loopback."""
    with serve_app(lambda base_url: create_custodian(base_url=base_url, **options)) as (
        base_url,
        custodian,
    ):
        yield Served(base_url, custodian)
