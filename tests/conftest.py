"""Test harness: every database test runs on SQLite *and* PostgreSQL.

Each pytest-xdist worker gets its own SQLite file and its own PostgreSQL database, migrated
once; after every test the tables are emptied, so tests are isolated without mocking the
transaction handling they exercise.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import logging
import os
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from gridlink import Settings, create_app
from gridlink.kit.clock import ManualClock
from gridlink.kit.db import Database
from gridlink.kit.logging import configure_logging
from gridlink.kit.migrations import upgrade_to_head
from gridlink.models import Base
from tests.lifespan import running

PG_ADMIN_URL = os.environ.get(
    "GRIDLINK_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
DATABASES = os.environ.get("GRIDLINK_TEST_DATABASES", "sqlite,postgresql").split(",")
TEST_MASTER_KEYS = "ktest:" + base64.b64encode(b"\x07" * 32).decode()


def _pg_database_name() -> str:
    """Unique per test run and xdist worker, so two runs (even in one checkout) never share a
    database: xdist workers name their controller (their parent process), a plain run itself."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    run = os.getppid() if worker else os.getpid()
    checkout = hashlib.sha256(str(Path(__file__).resolve().parent).encode()).hexdigest()[:6]
    return f"gridlink_test_{checkout}_{run}_{worker or 'main'}"


async def _drop_pg_database(name: str) -> None:
    admin = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def _recreate_pg_database(name: str) -> str:
    admin = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    return f"{base}/{name}".replace("postgresql://", "postgresql+asyncpg://", 1)


async def _migrate(url: str) -> None:
    db = Database(url)
    try:
        await upgrade_to_head(db)
    finally:
        await db.dispose()


@pytest.fixture(scope="session")
def database_urls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """One migrated database of each kind for this worker, dropped at the end of the run."""
    urls: dict[str, str] = {}
    if "sqlite" in DATABASES:
        path = tmp_path_factory.mktemp("sqlite") / "gridlink.db"
        urls["sqlite"] = f"sqlite+aiosqlite:///{path}"
    if "postgresql" in DATABASES:
        urls["postgresql"] = asyncio.run(_recreate_pg_database(_pg_database_name()))
    for url in urls.values():
        asyncio.run(_migrate(url))
    yield urls
    if "postgresql" in urls:
        asyncio.run(_drop_pg_database(_pg_database_name()))


@pytest.fixture(scope="session")
def _table_emptier(database_urls: dict[str, str]) -> Iterator[Callable[[str], None]]:
    """Empties this worker's database behind ``url`` after a test. One event loop and one
    engine per database for the whole run: a new engine per test paid its connection set-up
    and statement compilation again every time (about 30 ms of each test's teardown)."""
    with asyncio.Runner() as runner:
        # PostgreSQL only: a SQLite engine kept for the whole run carried a broken connection
        # from one test into every later one ("disk I/O error" on BEGIN IMMEDIATE after a test
        # whose gridlink subprocess wrote the same file), and SQLite connects in microseconds.
        kept = {url: Database(url) for url in database_urls.values() if "sqlite" not in url}

        def empty(url: str) -> None:
            db = kept.get(url)
            runner.run(_delete_all_rows(db) if db is not None else _empty_tables(url))

        yield empty
        for db in kept.values():
            runner.run(db.dispose())


@pytest.fixture(params=DATABASES)
def db_url(
    request: pytest.FixtureRequest,
    database_urls: dict[str, str],
    _table_emptier: Callable[[str], None],
) -> Iterator[str]:
    url = database_urls[request.param]
    yield url
    _table_emptier(url)


async def _empty_tables(url: str) -> None:
    db = Database(url)
    try:
        await _delete_all_rows(db)
    finally:
        await db.dispose()


async def _delete_all_rows(db: Database) -> None:
    async with db.transaction() as session:
        # DELETE, children first: on these tiny tables it is several times faster than
        # TRUNCATE, whose fixed cost per table dominated PostgreSQL test teardown.
        for table in reversed(Base.metadata.sorted_tables):
            await session.execute(text(f'DELETE FROM "{table.name}"'))  # noqa: S608


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=db_url,
        data_dir=tmp_path / "data",
        migrate_on_start=False,
        run_worker=False,
        master_keys=TEST_MASTER_KEYS,  # type: ignore[arg-type]
    )


@pytest.fixture
def settings_env(settings: Settings) -> dict[str, str]:
    """The same settings as environment variables, for a ``gridlink`` subprocess."""
    assert settings.database_url is not None
    return {
        "GRIDLINK_DATABASE_URL": settings.database_url,
        "GRIDLINK_DATA_DIR": str(settings.data_dir),
        "GRIDLINK_MASTER_KEYS": TEST_MASTER_KEYS,
        "GRIDLINK_LOG_LEVEL": "warning",
    }


@pytest.fixture
async def app(settings: Settings, clock: ManualClock) -> AsyncIterator[FastAPI]:
    application = create_app(settings, clock=clock)
    async with running(application):
        yield application


@pytest.fixture
async def api(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to the real app in-process (no server socket)."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture
def db(app: FastAPI) -> Database:
    database: Database = app.state.db
    return database


@pytest.fixture(autouse=True)
def _root_logger_as_it_was() -> Iterator[None]:
    """Tests that configure logging (as `gridlink serve` does) leave the root logger as they
    found it: a handler left on a stream pytest has closed turns every later log line into a
    "Logging error" traceback."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    for handler in handlers:
        if handler not in root.handlers:
            root.addHandler(handler)
    root.setLevel(level)


@pytest.fixture
def captured_logs() -> Iterator[io.StringIO]:
    """Every log line of the test, as `gridlink serve` writes them (JSON, redacted), at debug."""
    stream = io.StringIO()
    handler = configure_logging("debug", stream)
    yield stream
    logging.getLogger().removeHandler(handler)
