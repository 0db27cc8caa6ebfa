"""``gridlink db backup PATH``: a consistent copy of the embedded SQLite database, taken while
the server runs (security control 44; the copying is kit/backup.py).

Not in the copy, on purpose: the master keys (``DATA_DIR/master.keys`` or
``GRIDLINK_MASTER_KEYS``) and the file store (bill PDFs). Keys stored with the data they
protect would protect nothing, so they are backed up separately; without them the sealed
secrets in a backup cannot be opened.

PostgreSQL is backed up with its own tools (``pg_dump``, or a base backup plus WAL archiving
for point-in-time recovery); this command says how and refuses.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from gridlink.config import Settings
from gridlink.kit.backup import BackupError, copy_sqlite
from gridlink.kit.db import normalize_url
from gridlink.kit.keyring import key_file_path

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


def backup(settings: Settings, target: Path) -> int:
    url = make_url(normalize_url(settings.resolved_database_url()))
    if url.get_backend_name() == "postgresql":
        print(postgres_advice(url, target), file=sys.stderr)
        return EXIT_USAGE
    try:
        source = _source_path(url)
        _check_target(target)
        revision, size = copy_sqlite(source, target)
    except BackupError as exc:
        print(f"gridlink db backup: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except sqlite3.Error as exc:
        print(f"gridlink db backup: error: SQLite: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(f"backed up {source} to {target} ({size} bytes, migration {revision}, integrity ok)")
    print(key_reminder(settings))
    return EXIT_OK


def _source_path(url: URL) -> Path:
    database = url.database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        raise BackupError("GRIDLINK_DATABASE_URL names no SQLite file to back up")
    source = Path(database)
    if not source.is_file():
        raise BackupError(f"there is no database at {source} (check GRIDLINK_DATA_DIR)")
    return source


def _check_target(target: Path) -> None:
    if target.exists():
        raise BackupError(f"{target} exists; give a new file name (a backup never overwrites)")
    if not target.parent.is_dir():
        raise BackupError(f"the folder {target.parent} does not exist")


def key_reminder(settings: Settings) -> str:
    if settings.master_keys is not None:
        where = "GRIDLINK_MASTER_KEYS (keep them in your secret store)"
    else:
        where = f"the key file {key_file_path(settings.data_dir)}"
    return (
        f"Not in this backup: the master keys, in {where}, and the bill PDFs in "
        f"{settings.resolved_files_dir()}. Back them up separately (the keys away from this "
        "file): without the keys the sealed passwords and webhook secrets cannot be opened."
    )


def postgres_advice(url: URL, target: Path) -> str:
    plain = URL.create(  # no password: it is not printed
        "postgresql",
        username=url.username,
        host=url.host,
        port=url.port,
        database=url.database,
        query=url.query,
    ).render_as_string(hide_password=False)
    return (
        "gridlink db backup: error: the database is PostgreSQL; back it up with PostgreSQL's own "
        "tools, which copy it consistently while Gridlink runs:\n"
        f"  pg_dump --format=custom --file={target} '{plain}'\n"
        "(give the password with PGPASSWORD or ~/.pgpass) and restore into an empty database "
        "with\n"
        f"  pg_restore --no-owner --dbname='{plain}' {target}\n"
        "For point-in-time recovery, archive the WAL with a base backup instead: "
        "https://www.postgresql.org/docs/current/continuous-archiving.html\n"
        "The master keys are not in the database: back them up separately."
    )
