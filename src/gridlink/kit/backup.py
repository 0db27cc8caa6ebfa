"""A consistent copy of a SQLite database while other connections write to it (control 44).

SQLite's online backup API (``sqlite3.Connection.backup``) copies every page in one step under
one read transaction: in WAL mode writers go on meanwhile, and the copy is the database as of
one instant. The copy is written to a hidden file next to the target, checked
(``integrity_check``, ``foreign_key_check``), flushed to disk and only then linked as the target,
so the target is never a half backup and an existing file is never replaced. It is created with
mode 0600: it holds hashed tokens and sealed secrets. ``gridlink db backup`` (cli_db.py) is the
command around it.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path

BUSY_TIMEOUT_MS = 30_000


class BackupError(Exception):
    """The backup could not be made; the message says why and what to do."""


def copy_sqlite(source: Path, target: Path) -> tuple[str, int]:
    """Copy ``source`` to ``target`` (which must not exist); returns (migration, bytes)."""
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        revision = _backup_into(source, partial)
        _fsync(partial)
        try:
            os.link(partial, target)  # unlike a rename, never replaces a file made meanwhile
        except FileExistsError as exc:
            raise BackupError(f"{target} appeared while the backup ran; nothing replaced") from exc
        _fsync_folder(target.parent)
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
    return revision, target.stat().st_size


def _backup_into(source: Path, destination: Path) -> str:
    reader = sqlite3.connect(source, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        writer = sqlite3.connect(destination)
        try:
            reader.backup(writer)  # every page in one step: one consistent snapshot
            return _verify(writer)
        finally:
            writer.close()
    finally:
        reader.close()


def _verify(copy: sqlite3.Connection) -> str:
    [(integrity,)] = copy.execute("PRAGMA integrity_check").fetchall()
    if integrity != "ok":
        raise BackupError(f"the copy failed SQLite's integrity check: {integrity}")
    if copy.execute("PRAGMA foreign_key_check").fetchone() is not None:
        raise BackupError("the copy has rows whose foreign keys point nowhere")
    try:
        row = copy.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError as exc:
        raise BackupError("the database has no migration table: is it a Gridlink one?") from exc
    return str(row[0]) if row else "none"


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _fsync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every platform can open a folder
        _fsync(folder)
