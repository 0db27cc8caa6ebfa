"""The configured database, opened for a command.

Apart from cli_serve.py (which imports the whole server) so that the short commands
(``clients``, ``migrate``, ``events``, ``keys``, ``utilities``) start without loading every
router, connector and the web server they never run.
"""

from __future__ import annotations

from gridlink.config import Settings
from gridlink.kit.db import Database
from gridlink.kit.migrations import upgrade_to_head


async def open_database(settings: Settings, *, migrate: bool | None = None) -> Database:
    """Open the configured database; migrate it to the latest schema unless told not to."""
    if settings.database_url is None:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.resolved_database_url())
    if settings.migrate_on_start if migrate is None else migrate:
        await upgrade_to_head(db)
    return db
