"""``gridlink keys``: the keys of this process's ``GRIDLINK_KEY_MODE`` (ADR 0008, ADR 0012).

* ``master`` (default): the master key ring (the key file, or ``GRIDLINK_MASTER_KEYS``).
* ``worker``: the opening key pairs (``opening.keys`` or ``GRIDLINK_OPENING_KEYS``), plus master
  keys kept from before the split; ``public`` prints the sealing key for API processes.
* ``api``: the API keys (``api.keys`` or ``GRIDLINK_API_KEYS``) that seal saved responses.

Key files are edited in place (atomic replace under a lock); running processes re-read them.
Keys from the environment cannot be changed by a command: ``rotate`` and ``retire`` print the
value to set instead, and ``rewrap`` is run once every process has been restarted with it.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from pathlib import Path

from gridlink.cli_keypairs import init, public, rotate_api_keys, rotate_pairs
from gridlink.config import Settings
from gridlink.kit.clock import SystemClock
from gridlink.kit.key_modes import API_KEYS_FILE, OPENING_KEYS_FILE, KeyModeError
from gridlink.kit.keypairs import OpeningKeys
from gridlink.kit.keyring import (
    Keyring,
    KeyringError,
    KeySource,
    Ring,
    add_primary_key,
    key_file_lock,
    key_file_path,
    open_key_source,
    remove_key,
    write_key_file,
)

__all__ = ["init", "list_keys", "public", "retire", "rewrap", "rotate"]

EXIT_USAGE = 2
EXIT_INCOMPLETE = 1


def _configured(settings: Settings) -> str | None:
    return settings.master_keys.get_secret_value() if settings.master_keys else None


def _opening_ring(settings: Settings) -> KeySource[Ring]:
    from gridlink.kit.key_modes import open_process_keys

    if settings.key_mode == "api":
        raise KeyModeError(
            "an API process cannot open secrets, so it cannot re-wrap them: run this where the "
            "opening keys are (GRIDLINK_KEY_MODE=worker)"
        )
    return open_process_keys(settings).secrets


Usage = tuple[int, int, int, int]
NOTHING: Usage = (0, 0, 0, 0)


async def _usage(settings: Settings) -> dict[str, Usage]:
    """Per key id: (vault data keys and fields, webhook signing secrets, saved responses,
    operators' TOTP keys)."""
    from gridlink.cli_database import open_database
    from gridlink.idempotency.service import responses_per_key
    from gridlink.kit.vault import data_keys_per_master_key
    from gridlink.operators.service import totp_keys_per_key
    from gridlink.webhooks.resealing import secrets_per_key

    db = await open_database(settings)
    try:
        vault, webhooks = await data_keys_per_master_key(db), await secrets_per_key(db)
        async with db.transaction(write=False) as session:
            responses = await responses_per_key(session)
            totp = await totp_keys_per_key(session)
    finally:
        await db.dispose()
    ids = {*vault, *webhooks, *responses, *totp}
    return {
        k: (vault.get(k, 0), webhooks.get(k, 0), responses.get(k, 0), totp.get(k, 0)) for k in ids
    }


async def _rewrap(settings: Settings, keys: KeySource[Ring], batch_size: int) -> int:
    from gridlink.cli_database import open_database
    from gridlink.kit.vault import rewrap_all
    from gridlink.kit.vault.rotation import VAULT_PASSES
    from gridlink.webhooks.resealing import reseal_endpoint_secrets

    passes = (*VAULT_PASSES, ("webhook signing secret", reseal_endpoint_secrets))
    db = await open_database(settings)
    try:
        report = await rewrap_all(db, keys, SystemClock(), batch_size=batch_size, passes=passes)
    finally:
        await db.dispose()
    data_keys = report.by_kind.get("data key", 0)
    print(f"re-wrapped {data_keys} data key(s) under {report.primary_id}")
    for kind, n in report.by_kind.items():
        if kind != "data key" and n:
            print(f"re-sealed {n} {kind}(s) under {report.primary_id}")
    if report.unreadable:
        print(
            f"{len(report.unreadable)} value(s) could not be opened (their key is missing or "
            f"they were altered), e.g. {sorted(report.unreadable)[0]}",
            file=sys.stderr,
        )
        return EXIT_INCOMPLETE
    if not report.finished:
        print(
            "values under older keys keep appearing: some process still seals with an old key "
            "(an old primary master key, or an old GRIDLINK_SEALING_KEY on an API process); "
            "give it the current one, then run `gridlink keys rewrap`",
            file=sys.stderr,
        )
        return EXIT_INCOMPLETE
    return 0


def _ordered(ring: Keyring | OpeningKeys, primary: str, older: str) -> list[tuple[str, str]]:
    ids = [ring.primary_id, *(k for k in ring.keys if k != ring.primary_id)]
    return [(k, primary if k == ring.primary_id else older) for k in ids]


def _roles(settings: Settings) -> list[tuple[str, str]]:
    """(key id, role) of every key this mode holds, primary first."""
    from gridlink.kit.key_modes import (
        api_keys_source,
        legacy_source,
        open_process_keys,
        opening_source,
    )

    if settings.key_mode == "api":
        sealing = open_process_keys(settings).secrets.current().primary_id
        api_keys = _ordered(api_keys_source(settings).current(), "api primary", "api older  ")
        return [(sealing, "sealing (public key; opens nothing)"), *api_keys]
    if settings.key_mode == "worker":
        legacy = legacy_source(settings)
        masters = [(k, "master ") for k in (legacy.current().keys if legacy else ())]
        return _ordered(opening_source(settings).current(), "primary", "older  ") + masters
    ring = open_key_source(_configured(settings), settings.data_dir).current()
    return _ordered(ring, "primary", "older  ")


def _describe(counts: Usage) -> str:
    vault, webhooks, responses, totp = counts
    text = f"data keys: {vault}  webhook secrets: {webhooks}"
    text += f"  saved responses: {responses}" if responses else ""
    return text + (f"  operator TOTP keys: {totp}" if totp else "")


def list_keys(settings: Settings) -> int:
    roles = _roles(settings)
    in_use = asyncio.run(_usage(settings))
    for key_id, role in roles:
        print(f"{key_id}  {role}  {_describe(in_use.pop(key_id, NOTHING))}")
    for key_id, counts in in_use.items():
        print(f"{key_id}  MISSING  {_describe(counts)} (this key is not held here)")
    return 0


def rotate(settings: Settings, batch_size: int) -> int:
    if settings.key_mode == "worker":
        return rotate_pairs(settings)
    if settings.key_mode == "api":
        return rotate_api_keys(settings)
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
    return asyncio.run(_rewrap(settings, _opening_ring(settings), batch_size))


def rewrap(settings: Settings, batch_size: int) -> int:
    return asyncio.run(_rewrap(settings, _opening_ring(settings), batch_size))


def _without(ring: Keyring, key_id: str) -> Keyring | None:
    """Master keys kept from before a split: any may go; None when none is left."""
    rest = {k: v for k, v in ring.keys.items() if k != key_id}
    return Keyring(rest, next(iter(rest))) if rest else None


def _retire_legacy(settings: Settings, key_id: str) -> int:
    configured = _configured(settings)
    ring = Keyring.parse(configured) if configured else None
    path = key_file_path(settings.data_dir)
    if ring is None:
        with key_file_lock(path):
            remaining = _without(Keyring.parse(path.read_text()), key_id)
            if remaining is None:
                path.unlink()
            else:
                write_key_file(path, remaining.serialize())
        print(f"removed master key {key_id} from {path}")
        return 0
    remaining = _without(ring, key_id)
    if remaining is None:
        print(f"no value uses {key_id}: unset GRIDLINK_MASTER_KEYS on every worker")
    else:
        print(f"no value uses {key_id}. Set on every worker:\n")
        print(f"  GRIDLINK_MASTER_KEYS={remaining.serialize()}")
    return 0


def _retire_from(settings: Settings, key_id: str, role: str) -> int:
    if settings.key_mode == "worker" and role == "master ":
        return _retire_legacy(settings, key_id)
    if settings.key_mode == "worker":
        return _edit_or_print(
            settings.opening_keys is not None,
            settings.data_dir / OPENING_KEYS_FILE,
            lambda text: OpeningKeys.parse(text).without(key_id).serialize(),
            settings.opening_keys.get_secret_value() if settings.opening_keys else "",
            "GRIDLINK_OPENING_KEYS",
            key_id,
        )
    if settings.key_mode == "api":
        return _edit_or_print(
            settings.api_keys is not None,
            settings.data_dir / API_KEYS_FILE,
            lambda text: Keyring.parse(text).without(key_id).serialize(),
            settings.api_keys.get_secret_value() if settings.api_keys else "",
            "GRIDLINK_API_KEYS",
            key_id,
        )
    configured = _configured(settings)
    if configured:
        remaining = Keyring.parse(configured).without(key_id)
        print(f"no value uses {key_id}. Set on every process:\n")
        print(f"  GRIDLINK_MASTER_KEYS={remaining.serialize()}")
        return 0
    remove_key(key_file_path(settings.data_dir), key_id)
    print(f"removed master key {key_id} from the key file")
    return 0


def _edit_or_print(
    from_env: bool,
    path: Path,
    edit: Callable[[str], str],
    configured: str,
    variable: str,
    key_id: str,
) -> int:
    if from_env:
        print(f"no value uses {key_id}. Set where {variable} is set:\n")
        print(f"  {variable}={edit(configured)}")
        return 0
    with key_file_lock(path):
        write_key_file(path, edit(path.read_text()))
    print(f"removed key {key_id} from {path}")
    return 0


def retire(settings: Settings, key_id: str) -> int:
    roles = dict(_roles(settings))
    role = roles.get(key_id)
    if role is None or role.startswith("sealing"):
        print(f"gridlink keys: error: {key_id!r} is not a key this process holds", file=sys.stderr)
        return EXIT_USAGE
    if role.strip() in ("primary", "api primary"):
        print(f"gridlink keys: error: {key_id!r} is the primary key; rotate first", file=sys.stderr)
        return EXIT_USAGE
    counts = asyncio.run(_usage(settings)).get(key_id, NOTHING)
    if any(counts):
        print(
            f"gridlink keys: error: {key_id} still protects {_describe(counts)}; run `gridlink "
            "keys rewrap` first (saved responses expire within 24 hours; operator TOTP keys "
            "move to the new key with `gridlink operators totp enable EMAIL` for each)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    try:
        return _retire_from(settings, key_id, role)
    except KeyringError as exc:
        print(f"gridlink keys: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
