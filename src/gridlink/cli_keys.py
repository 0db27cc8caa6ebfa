"""``gridlink keys``: list, rotate, re-wrap and retire master keys.

In the embedded default the key ring is the key file, which these commands edit. With
``GRIDLINK_MASTER_KEYS`` the ring lives in the deployment's environment, which a command cannot
change: ``rotate`` and ``retire`` print the value to set instead, and ``rewrap`` is run after
every process has been restarted with it.
"""

from __future__ import annotations

import asyncio
import sys

from gridlink.config import Settings
from gridlink.kit.clock import SystemClock
from gridlink.kit.keyring import (
    Keyring,
    KeyringError,
    KeySource,
    add_primary_key,
    key_file_path,
    open_key_source,
    remove_key,
)

EXIT_USAGE = 2
EXIT_INCOMPLETE = 1


def _configured(settings: Settings) -> str | None:
    return settings.master_keys.get_secret_value() if settings.master_keys else None


async def _rewrap(settings: Settings, keys: KeySource, batch_size: int) -> int:
    from gridlink.cli_serve import open_database
    from gridlink.kit.vault import rewrap_all

    db = await open_database(settings)
    try:
        report = await rewrap_all(db, keys, SystemClock(), batch_size=batch_size)
    finally:
        await db.dispose()
    print(f"re-wrapped {report.rewrapped} data key(s) under {report.primary_id}")
    if report.unreadable:
        print(
            f"{len(report.unreadable)} data key(s) could not be unwrapped (their master key is "
            f"missing or they were altered), e.g. {sorted(report.unreadable)[0]}",
            file=sys.stderr,
        )
        return EXIT_INCOMPLETE
    if not report.finished:
        print(
            "data keys under older master keys keep appearing: some process still seals with "
            "an old primary key; restart it with the current key ring, then run "
            "`gridlink keys rewrap`",
            file=sys.stderr,
        )
        return EXIT_INCOMPLETE
    return 0


def list_keys(settings: Settings) -> int:
    from gridlink.cli_serve import open_database
    from gridlink.kit.vault import data_keys_per_master_key

    ring = open_key_source(_configured(settings), settings.data_dir).current()

    async def counts() -> dict[str, int]:
        db = await open_database(settings)
        try:
            return await data_keys_per_master_key(db)
        finally:
            await db.dispose()

    in_use = asyncio.run(counts())
    for key_id in [ring.primary_id, *(k for k in ring.keys if k != ring.primary_id)]:
        role = "primary" if key_id == ring.primary_id else "older  "
        print(f"{key_id}  {role}  data keys: {in_use.pop(key_id, 0)}")
    for key_id, count in in_use.items():
        print(f"{key_id}  MISSING  data keys: {count} (this key is not in the key ring)")
    return 0


def rotate(settings: Settings, batch_size: int) -> int:
    configured = _configured(settings)
    if configured:
        ring = Keyring.parse(configured).with_new_primary()
        print(
            "GRIDLINK_MASTER_KEYS is set, so the key ring lives in your environment; this command "
            "does not edit it. To rotate:\n"
            "  1. set this value on every Gridlink process (the new primary key comes first):\n"
            f"     GRIDLINK_MASTER_KEYS={ring.serialize()}\n"
            "  2. restart them all\n"
            "  3. run `gridlink keys rewrap` (with the new value set)"
        )
        return 0
    path = key_file_path(settings.data_dir)
    open_key_source(None, settings.data_dir)  # creates the key file on a fresh install
    ring = add_primary_key(path)
    print(f"new primary master key {ring.primary_id} added to {path}")
    return asyncio.run(_rewrap(settings, open_key_source(None, settings.data_dir), batch_size))


def rewrap(settings: Settings, batch_size: int) -> int:
    keys = open_key_source(_configured(settings), settings.data_dir)
    return asyncio.run(_rewrap(settings, keys, batch_size))


def retire(settings: Settings, key_id: str) -> int:
    from gridlink.cli_serve import open_database
    from gridlink.kit.vault import data_keys_per_master_key

    configured = _configured(settings)
    ring = open_key_source(configured, settings.data_dir).current()

    async def in_use() -> int:
        db = await open_database(settings)
        try:
            return (await data_keys_per_master_key(db)).get(key_id, 0)
        finally:
            await db.dispose()

    try:
        remaining = ring.without(key_id)
    except KeyringError as exc:
        print(f"gridlink keys: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    count = asyncio.run(in_use())
    if count:
        print(
            f"gridlink keys: error: {count} data key(s) are still wrapped under {key_id}; run "
            "`gridlink keys rewrap` first",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if configured:
        print(f"no data key uses {key_id}. Set on every process:\n")
        print(f"  GRIDLINK_MASTER_KEYS={remaining.serialize()}")
        return 0
    remove_key(key_file_path(settings.data_dir), key_id)
    print(f"removed master key {key_id} from the key file")
    return 0
