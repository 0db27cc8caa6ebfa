"""The configured database, opened for a command.

Apart from cli_serve.py (which imports the whole server) so that the short commands
(``clients``, ``migrate``, ``events``, ``keys``, ``utilities``) start without loading every
router, connector and the web server they never run.
"""

from __future__ import annotations

from typing import Literal

from gridlink.config import Settings
from gridlink.kit.db import Database, PoolSettings
from gridlink.kit.migrations import upgrade_to_head

ProcessKind = Literal["serve", "api", "worker", "sync", "command"]

# Connections kept open per kind of process when the settings leave it open (each may open as
# many again while busy). `serve` runs the API and every worker loop on one pool; an API process
# (long-polls hold none while they wait) or a worker (sign-ins, whose steps are short) needs
# less; a worker's sync process holds a connection only for each step of its 10 syncs; a short
# command needs one and a spare. Two API processes and two workers with their sync processes
# then open at most 92 connections, LISTEN included: under PostgreSQL's default 100
# (docs/guides/deployment.md).
POOL_SIZES: dict[ProcessKind, int] = {"serve": 20, "api": 10, "worker": 6, "sync": 5, "command": 2}


def pool_settings(settings: Settings, kind: ProcessKind) -> PoolSettings:
    size = settings.database_pool_size or POOL_SIZES[kind]
    overflow = settings.database_max_overflow
    return PoolSettings(
        size=size,
        overflow=size if overflow is None else overflow,
        timeout_seconds=settings.database_pool_timeout_seconds,
    )


def database_for(settings: Settings, kind: ProcessKind) -> Database:
    """The configured database with the pool this kind of process needs (not opened yet)."""
    if settings.database_url is None:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    return Database(
        settings.resolved_database_url(),
        pool=pool_settings(settings, kind),
        pooler=settings.database_pooler,
        direct_url=settings.database_direct_url,
    )


async def open_database(
    settings: Settings, *, migrate: bool | None = None, kind: ProcessKind = "command"
) -> Database:
    """Open the configured database; migrate it to the latest schema unless told not to."""
    db = database_for(settings, kind)
    if settings.migrate_on_start if migrate is None else migrate:
        await upgrade_to_head(db)
    return db
