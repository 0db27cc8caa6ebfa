"""Alembic, driven from code: ``gridlink migrate``, server start-up and tests share this path.

Migrations run on a connection we hand to Alembic (``config.attributes["connection"]``), so the
same code works inside a running event loop and on both databases.
"""

from __future__ import annotations

from functools import cache

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from gridlink.kit.db import Database


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", "gridlink:migrations")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@cache
def head_revision() -> str | None:
    return ScriptDirectory.from_config(_config()).get_current_head()


async def upgrade_to_head(db: Database) -> None:
    def _upgrade(connection: Connection) -> None:
        command.upgrade(_config(connection), "head")

    async with db.write_slot(write=True), db.engine.begin() as connection:
        await connection.run_sync(_upgrade)


async def current_revision(db: Database) -> str | None:
    def _current(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with db.engine.connect() as connection:
        return await connection.run_sync(_current)


async def is_current(db: Database) -> bool:
    return await current_revision(db) == head_revision()
