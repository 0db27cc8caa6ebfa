"""The app factory: settings in, a FastAPI app out. Start-up opens the database, applies
migrations and (in ``gridlink serve``) starts the worker; shut-down undoes it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI

from gridlink import __version__
from gridlink.api import build_router
from gridlink.cli_database import database_for
from gridlink.config import Settings
from gridlink.connect.headers import ConnectHeadersMiddleware
from gridlink.connectors.registry import ConnectorRegistry
from gridlink.errors import install_error_handlers
from gridlink.idempotency.dependencies import install_replay_handler
from gridlink.kit.body_limit import BodyLimitMiddleware, BodyLimits
from gridlink.kit.clock import Clock, SystemClock
from gridlink.kit.compression import CompressionMiddleware
from gridlink.kit.control_characters import ControlCharacterMiddleware
from gridlink.kit.db import Database
from gridlink.kit.key_modes import keys_for_app
from gridlink.kit.keyring import LiveRing
from gridlink.kit.migrations import is_current, upgrade_to_head
from gridlink.kit.openapi import install_exact_openapi
from gridlink.kit.relay import Relay
from gridlink.kit.security_headers import SecurityHeadersMiddleware
from gridlink.kit.unit_of_work import RequestIdMiddleware, TransactionMiddleware
from gridlink.kit.vault import Vault
from gridlink.metrics.exposition import Scraper
from gridlink.metrics.middleware import RequestMetricsMiddleware, RouteRecorder
from gridlink.utilities.catalog import ensure_connector_utilities
from gridlink.worker.registry import build_connectors, build_jobs, build_loops
from gridlink.worker.runner import Worker

DESCRIPTION = """
Gridlink is a self-hosted Connect for utility data: your app's end users link their electric,
gas or water utility account through the widget, and your backend reads their accounts, meters,
bills and interval usage here.

**Authentication.** Every `/v1` endpoint takes HTTP Basic (client id and secret) or a bearer
token from `POST /v1/auth/token`.

**Errors** are always `{"error": {"code", "message", "request_id"}}`; the request id is also in
the `X-Request-Id` header.

**Retries.** Send an `Idempotency-Key` header on a POST to make it safe to retry.
"""

# Green Button uploads: bodies read as they stream, under GRIDLINK_MAX_UPLOAD_BYTES.
UPLOAD_ROUTES = (("POST", "/v1/utility_credentials/files"), ("POST", "/connect/api/files"))
# Built files that negotiate their own, pre-computed encoding (kit/static_files.py): the dynamic
# gzip (kit/compression.py) passes them through.
PRECOMPRESSED = (
    "/connect/ui/",
    "/connect.js",
    "/npm/",
    "/favicon.svg",
    "/demo",
    "/demo/static/",
    "/dashboard/assets/",
)


async def _seed_catalog(db: Database, clock: Clock, connectors: ConnectorRegistry) -> None:
    """Every registered connector's utilities (the sandbox's and plugins') are in the catalog as
    the connectors declare them (skipped until migrations are current: /readyz reports that)."""
    if await is_current(db):
        served = connectors.utilities()
        async with db.transaction() as session:
            await ensure_connector_utilities(session, served, clock.now())


def create_app(settings: Settings | None = None, *, clock: Clock | None = None) -> FastAPI:
    settings = settings or Settings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = database_for(settings, "serve" if settings.run_worker else "api")
        app.state.db = db
        keys, responses = keys_for_app(settings, run_worker=settings.run_worker)
        app.state.keyring = LiveRing(keys.secrets)  # webhook signing secrets
        app.state.response_keyring = LiveRing(responses)  # saved idempotency responses
        app.state.vault = Vault(keys.secrets, app.state.clock)
        if settings.migrate_on_start:
            await upgrade_to_head(db)
        connectors = build_connectors(settings)  # plugins load here, once per process
        await _seed_catalog(db, app.state.clock, connectors)
        stop = asyncio.Event()
        # Long-polls here hear of changes a worker elsewhere committed at once (kit/relay.py).
        app.state.relay = Relay(db)
        relay_task = asyncio.create_task(app.state.relay.run(stop), name="gridlink-relay")
        worker_task = None
        app.state.worker_health = None
        if settings.run_worker:
            clock = app.state.clock
            loops = build_loops(db, clock, app.state.vault, settings, connectors)
            worker = Worker(
                db,
                clock,
                build_jobs(settings),
                settings.worker_poll_seconds,
                loops,
                stall_seconds=settings.worker_stall_seconds,
            )
            app.state.worker_health = worker.health  # /readyz and /metrics read it
            worker_task = asyncio.create_task(worker.run_forever(stop), name="gridlink-worker")
        app.state.metrics = Scraper(db, app.state.clock, app.state.worker_health)
        try:
            yield
        finally:
            stop.set()
            if worker_task is not None:
                await worker_task
            await relay_task
            await db.dispose()

    app = FastAPI(
        title="Gridlink API",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.clock = clock or SystemClock()
    # Outermost last. The edge (body size, control characters) answers before any transaction.
    uploads = dict.fromkeys(UPLOAD_ROUTES, settings.max_upload_bytes)
    body_limits = BodyLimits(settings.max_body_bytes, streamed=uploads)
    app.add_middleware(RouteRecorder)  # innermost: sees the router's scope (metrics/)
    app.add_middleware(TransactionMiddleware)
    app.add_middleware(ControlCharacterMiddleware, limits=body_limits)
    app.add_middleware(BodyLimitMiddleware, limits=body_limits)
    app.add_middleware(RequestIdMiddleware)
    app.add_middleware(ConnectHeadersMiddleware)
    app.add_middleware(CompressionMiddleware, precompressed=PRECOMPRESSED)
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(RequestMetricsMiddleware)  # outermost: times all the caller waits
    install_error_handlers(app)
    install_replay_handler(app)
    app.include_router(build_router())
    install_exact_openapi(app)
    return app
