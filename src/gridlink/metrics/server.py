"""The HTTP side of a standalone ``gridlink worker`` (opt-in: ``--metrics-address``):
``/metrics``, ``/healthz`` and ``/readyz``, so a scraper sees the sign-ins and syncs a worker
runs and an orchestrator sees whether its loops are alive. The same routes as the API's
(health/routes.py, metrics/routes.py), in a small app of its own: no API, no widget."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Iterator

import uvicorn
from fastapi import FastAPI

from gridlink.config import Settings
from gridlink.errors import install_error_handlers
from gridlink.health.routes import router as health_router
from gridlink.kit.clock import Clock
from gridlink.kit.db import Database
from gridlink.kit.heartbeat import WorkerHealth
from gridlink.metrics.exposition import Scraper
from gridlink.metrics.middleware import RequestMetricsMiddleware, RouteRecorder
from gridlink.metrics.routes import router as metrics_router

DEFAULT_PORT = 9464  # the port commonly used for a Prometheus exporter


class AddressError(ValueError):
    pass


def parse_address(address: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:9464`` for IPv6) as (host, port)."""
    host, sep, port = address.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise AddressError(
            f"{address!r} is not HOST:PORT (e.g. 127.0.0.1:{DEFAULT_PORT}, [::1]:{DEFAULT_PORT})"
        )
    return host.strip("[]"), int(port)


def worker_app(settings: Settings, db: Database, clock: Clock, health: WorkerHealth) -> FastAPI:
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    app.state.settings = settings
    app.state.db = db
    app.state.worker_health = health
    app.state.metrics = Scraper(db, clock, health)
    app.add_middleware(RouteRecorder)
    app.add_middleware(RequestMetricsMiddleware)
    install_error_handlers(app)
    app.include_router(health_router)
    app.include_router(metrics_router)
    return app


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # The worker owns SIGINT/SIGTERM (cli_worker.run_worker); this server stops with it.
        yield


async def serve_until(app: FastAPI, listener: socket.socket, stop: asyncio.Event) -> None:
    """Serve ``app`` on ``listener`` until ``stop`` is set."""
    config = uvicorn.Config(  # no proxy headers: the caller is the TCP peer (metrics/access.py)
        app,
        log_config=None,
        access_log=False,
        lifespan="off",
        server_header=False,
        proxy_headers=False,
    )
    server = _Server(config)
    task = asyncio.create_task(server.serve(sockets=[listener]), name="gridlink-worker-metrics")
    try:
        await stop.wait()
    finally:
        server.should_exit = True
        await task
