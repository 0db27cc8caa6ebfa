"""``gridlink keys init|public`` and rotation of the split deployment's keys (ADR 0012).

Where each key lives:

* opening keys (private, workers only): ``DATA_DIR/opening.keys`` (0600) or
  ``GRIDLINK_OPENING_KEYS``;
* sealing key (public, API processes): ``DATA_DIR/sealing.pub`` or ``GRIDLINK_SEALING_KEY``,
  printed by ``gridlink keys public``;
* API keys (API processes only): ``DATA_DIR/api.keys`` (0600) or ``GRIDLINK_API_KEYS``.

A key pair rotation runs in this order, so nothing is ever sealed to a key no worker holds:
workers get the new pair first (the key file is re-read), then API processes get its public
key, then ``gridlink keys rewrap`` moves everything under it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from gridlink.config import Settings
from gridlink.kit.key_modes import (
    API_KEYS_FILE,
    OPENING_KEYS_FILE,
    SEALING_KEY_FILE,
    KeyModeError,
    api_keys_source,
    opening_source,
)
from gridlink.kit.keypairs import OpeningKeys
from gridlink.kit.keyring import (
    Keyring,
    generate_key_id,
    key_file_lock,
    write_key_file,
)

EXIT_USAGE = 2
PUBLIC_MODE = 0o644


def _new_api_keys() -> Keyring:
    import os

    key_id = generate_key_id()
    return Keyring(keys={key_id: os.urandom(32)}, primary_id=key_id)


def _create(path: Path, text: str) -> bool:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        print(f"gridlink keys: error: {path} already exists; nothing changed", file=sys.stderr)
        return False
    write_key_file(path, text)
    return True


def init(settings: Settings, print_only: bool) -> int:
    """Create the keys of a split deployment's side: a key pair (worker) or API keys (api)."""
    if settings.key_mode == "worker":
        pairs = OpeningKeys.generate()
        sealing = pairs.sealing_key().serialize()
        if print_only:
            print(f"GRIDLINK_OPENING_KEYS={pairs.serialize()}  (workers only)")
            print(f"GRIDLINK_SEALING_KEY={sealing}  (API processes)")
            return 0
        if not _create(settings.data_dir / OPENING_KEYS_FILE, pairs.serialize()):
            return EXIT_USAGE
        write_key_file(settings.data_dir / SEALING_KEY_FILE, sealing, PUBLIC_MODE)
        print(f"key pair {pairs.primary_id} created in {settings.data_dir / OPENING_KEYS_FILE}")
        print("Give API processes its public sealing key (it opens nothing):")
        print(f"  GRIDLINK_SEALING_KEY={sealing}")
        print(f"(also written to {settings.data_dir / SEALING_KEY_FILE})")
        return 0
    if settings.key_mode == "api":
        ring = _new_api_keys()
        if print_only:
            print(f"GRIDLINK_API_KEYS={ring.serialize()}  (every API process, the same)")
            return 0
        if not _create(settings.data_dir / API_KEYS_FILE, ring.serialize()):
            return EXIT_USAGE
        print(f"API key {ring.primary_id} created in {settings.data_dir / API_KEYS_FILE}")
        print(
            "Every API process needs the same API keys (copy the file, or set GRIDLINK_API_KEYS)."
        )
        return 0
    raise KeyModeError(
        "`gridlink keys init` sets up a split deployment: set GRIDLINK_KEY_MODE=worker (key "
        "pair) or api (API keys). The one-process mode creates its master key file on first start"
    )


def public(settings: Settings, output: Path | None) -> int:
    """The public sealing key of the primary key pair, for API processes."""
    if settings.key_mode != "worker":
        raise KeyModeError(
            "`gridlink keys public` reads the opening keys: run it with GRIDLINK_KEY_MODE=worker"
        )
    sealing = opening_source(settings).current().sealing_key().serialize()
    if output is None:
        print(sealing)
        return 0
    write_key_file(output, sealing, PUBLIC_MODE)
    print(f"sealing key written to {output}")
    return 0


def rotate_pairs(settings: Settings) -> int:
    if settings.opening_keys is not None:
        pairs = OpeningKeys.parse(settings.opening_keys.get_secret_value()).with_new_primary()
        print(
            "GRIDLINK_OPENING_KEYS is set, so the key pairs live in your environment; this "
            "command does not edit it. To rotate:\n"
            "  1. set on every worker, and restart them (the new key pair comes first):\n"
            f"     GRIDLINK_OPENING_KEYS={pairs.serialize()}\n"
            "  2. then set on every API process, and restart them:\n"
            f"     GRIDLINK_SEALING_KEY={pairs.sealing_key().serialize()}\n"
            "  3. run `gridlink keys rewrap` on a worker host (with the new value set)"
        )
        return 0
    path = settings.data_dir / OPENING_KEYS_FILE
    opening_source(settings)  # says what to do when there is no key file yet
    with key_file_lock(path):
        pairs = OpeningKeys.parse(path.read_text()).with_new_primary()
        write_key_file(path, pairs.serialize())
    sealing = pairs.sealing_key().serialize()
    write_key_file(settings.data_dir / SEALING_KEY_FILE, sealing, PUBLIC_MODE)
    print(
        f"new primary key pair {pairs.primary_id} added to {path}; workers reading this file "
        "open with it and seal to it now. Next:\n"
        "  1. give every API process the new public sealing key (a running one re-reads its "
        "sealing.pub file; one with GRIDLINK_SEALING_KEY needs a restart):\n"
        f"     GRIDLINK_SEALING_KEY={sealing}\n"
        "  2. run `gridlink keys rewrap` here (it moves everything under the new key pair)\n"
        "  3. `gridlink keys retire OLD_ID` once `gridlink keys list` shows it unused"
    )
    return 0


def rotate_api_keys(settings: Settings) -> int:
    if settings.api_keys is not None:
        ring = Keyring.parse(settings.api_keys.get_secret_value()).with_new_primary()
        print(
            "GRIDLINK_API_KEYS is set; this command does not edit it. Set on every API process "
            "and restart them (the new key first):\n"
            f"  GRIDLINK_API_KEYS={ring.serialize()}\n"
            "Saved responses under the older key keep replaying; retire it after 24 hours."
        )
        return 0
    path = settings.data_dir / API_KEYS_FILE
    api_keys_source(settings)  # says what to do when there is no key file yet
    with key_file_lock(path):
        ring = Keyring.parse(path.read_text()).with_new_primary()
        write_key_file(path, ring.serialize())
    print(
        f"new primary API key {ring.primary_id} added to {path}; copy the file to every API "
        "process. Retire the older key after 24 hours (saved responses expire by then)."
    )
    return 0
