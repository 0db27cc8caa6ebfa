"""Every background job and loop, listed explicitly (no discovery in the core)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.attempts.limits import purge_expired as purge_login_failures
from gridlink.attempts.runner import AttemptRunner, EngineSettings
from gridlink.auth.repository import AuthRepository
from gridlink.config import Settings
from gridlink.connect.repository import ConnectTokenRepository
from gridlink.connectors.registry import BUILTIN_CONNECTORS, ConnectorRegistry, default_registry
from gridlink.connectors.sandbox import SandboxConnector, SandboxSettings
from gridlink.credentials.mfa_expiry import run_job as check_mfa_sessions
from gridlink.data.files import FileStore
from gridlink.data.sweeper import FileSweeper
from gridlink.events.service import purge_expired as purge_events
from gridlink.idempotency.service import purge_expired as purge_idempotency_keys
from gridlink.kit.clock import Clock
from gridlink.kit.db import Database
from gridlink.kit.keyring import LiveRing
from gridlink.kit.vault import Vault
from gridlink.operators.service import purge_expired as purge_operator_records
from gridlink.sync.runner import SyncRunner
from gridlink.sync.schedule import SyncSettings
from gridlink.webhooks.dispatcher import DeliverySettings, Dispatcher
from gridlink.worker.processes import SyncProcesses
from gridlink.worker.runner import BackgroundLoop, PeriodicJob

# Expired connect tokens are kept a day so a late widget gets "expired", then removed.
CONNECT_TOKEN_KEEP = timedelta(days=1)


async def purge_access_tokens(session: AsyncSession, clock: Clock) -> int:
    return await AuthRepository(session).purge_expired_access_tokens(clock.now())


async def purge_connect_tokens(session: AsyncSession, clock: Clock) -> int:
    return await ConnectTokenRepository(session).purge_expired(clock.now() - CONNECT_TOKEN_KEEP)


JOBS: tuple[PeriodicJob, ...] = (
    PeriodicJob("purge_idempotency_keys", timedelta(minutes=10), purge_idempotency_keys),
    PeriodicJob("purge_access_tokens", timedelta(minutes=10), purge_access_tokens),
    PeriodicJob("purge_connect_tokens", timedelta(minutes=10), purge_connect_tokens),
    PeriodicJob("purge_events", timedelta(hours=1), purge_events),
    PeriodicJob("check_mfa_sessions", timedelta(minutes=1), check_mfa_sessions),
    PeriodicJob("purge_login_failures", timedelta(hours=1), purge_login_failures),
    # The audit log is kept as long as events; dashboard sign-in failures and ended sessions too.
    PeriodicJob("purge_operator_records", timedelta(hours=1), purge_operator_records),
)


def sandbox_settings(settings: Settings) -> SandboxSettings:
    """The sandbox's waits, as the server's settings tune them."""
    return SandboxSettings(
        slow_delay=timedelta(seconds=settings.sandbox_slow_seconds),
        timeout_after=timedelta(seconds=settings.sandbox_timeout_seconds),
    )


def build_connectors(settings: Settings) -> ConnectorRegistry:
    """The built-in connectors (the sandbox tuned by settings) plus installed plugins."""
    sandbox = SandboxConnector.with_settings(sandbox_settings(settings))
    builtins = [sandbox if c is SandboxConnector else c for c in BUILTIN_CONNECTORS]
    return default_registry(builtins=builtins)


def build_loops(
    db: Database, clock: Clock, vault: Vault, settings: Settings, connectors: ConnectorRegistry
) -> tuple[BackgroundLoop, ...]:
    """The long-running loops this process runs (``GRIDLINK_WORKER_LOOPS``): webhook delivery
    (claims due deliveries, sends, records), connection attempts (claims queued sign-ins, runs
    them with their connector), utility syncs (claims due syncs, backfills and checks for new
    data; in ``GRIDLINK_SYNC_PROCESSES`` child processes when set, worker/processes.py), and
    the file sweeper (removes bill PDFs no statement points at)."""
    files = FileStore(settings.resolved_files_dir())
    selected = settings.selected_loops()
    sync_settings = SyncSettings.from_settings(settings)
    syncs: BackgroundLoop
    if settings.sync_processes:
        syncs = SyncProcesses(settings.sync_processes, sync_settings.stop_grace.total_seconds())
    else:
        syncs = SyncRunner(db, clock, vault, connectors, files, sync_settings)
    loops: dict[str, BackgroundLoop] = {
        "webhook_deliveries": Dispatcher(
            db, clock, LiveRing(vault.keys), DeliverySettings.from_settings(settings)
        ),
        "connection_attempts": AttemptRunner(
            db, clock, vault, connectors, EngineSettings.from_settings(settings)
        ),
        "utility_syncs": syncs,
        "file_sweeper": FileSweeper(db, files),
    }
    return tuple(loop for name, loop in loops.items() if name in selected)


def build_jobs(settings: Settings) -> tuple[PeriodicJob, ...]:
    """The periodic jobs, unless this process leaves them to others (``GRIDLINK_WORKER_LOOPS``)."""
    return JOBS if "periodic_jobs" in settings.selected_loops() else ()
