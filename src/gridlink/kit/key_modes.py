"""Which keys this process holds, by ``GRIDLINK_KEY_MODE`` (docs/decisions/0012-seal-only-api.md).

* ``master`` (default): the symmetric master key ring seals and opens everything: utility
  secrets, webhook signing secrets and the API's saved idempotency responses. The one-process
  deployment (``gridlink serve`` with its worker), and today's behaviour.
* ``api``: an API process of a split deployment. It holds the public *sealing key* (it seals
  utility secrets and webhook signing secrets for the workers, and cannot open them) and the
  *API keys*, a symmetric ring for what the API itself must read back (saved idempotency
  responses), which open no utility secret. Master and opening keys are refused.
* ``worker``: a worker of a split deployment. It holds the private *opening keys*, and may keep
  the master keys from before the split until ``gridlink keys rewrap`` moved everything to the
  key pairs.

Values come from the environment or, when unset, from key files in ``DATA_DIR``:
``master.keys``, ``opening.keys`` (mode 0600), ``sealing.pub`` and ``api.keys`` (mode 0600).
Key files are re-read when they change, so a rotation reaches running processes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from pydantic import SecretStr

from gridlink.kit.keypairs import OpeningKeys, SealingKey, WorkerRing
from gridlink.kit.keyring import (
    KeyFileSource,
    Keyring,
    KeyringError,
    KeySource,
    Ring,
    StaticKeySource,
    key_file_path,
    open_key_source,
    warn_if_readable_by_others,
)

logger = logging.getLogger(__name__)

KeyMode = Literal["master", "api", "worker"]
OPENING_KEYS_FILE = "opening.keys"
SEALING_KEY_FILE = "sealing.pub"
API_KEYS_FILE = "api.keys"


class KeyConfig(Protocol):
    """The settings this module reads (``gridlink.config.Settings`` has them all)."""

    key_mode: KeyMode
    data_dir: Path
    master_keys: SecretStr | None
    opening_keys: SecretStr | None
    sealing_key: str | None
    api_keys: SecretStr | None


class KeyModeError(KeyringError):
    """The keys given do not fit the key mode (missing, or ones this mode must not hold)."""


@dataclass(frozen=True)
class ProcessKeys:
    mode: KeyMode
    secrets: KeySource[Ring]
    """Utility secrets (the vault's data keys and fields) and webhook signing secrets."""
    responses: KeySource[Ring] | None
    """What the API reads back itself (saved idempotency responses); None in a worker."""


class WorkerSource:
    """The worker's ring from its opening keys and, while they are still needed, master keys."""

    def __init__(self, pairs: KeySource[OpeningKeys], legacy: KeySource[Keyring] | None) -> None:
        self.pairs, self.legacy = pairs, legacy

    def current(self) -> WorkerRing:
        return WorkerRing(self.pairs.current(), self.legacy.current() if self.legacy else None)

    def refresh(self) -> WorkerRing:
        return WorkerRing(self.pairs.refresh(), self.legacy.refresh() if self.legacy else None)


def _secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value else None


def opening_source(config: KeyConfig) -> KeySource[OpeningKeys]:
    if config.opening_keys:
        return StaticKeySource(OpeningKeys.parse(config.opening_keys.get_secret_value()))
    path = config.data_dir / OPENING_KEYS_FILE
    if not path.exists():
        raise KeyModeError(
            f"GRIDLINK_KEY_MODE=worker needs the opening keys: set GRIDLINK_OPENING_KEYS, or "
            f"create {path} with `gridlink keys init` (GRIDLINK_KEY_MODE=worker)"
        )
    warn_if_readable_by_others(path)
    return KeyFileSource(path, OpeningKeys.parse)


def legacy_source(config: KeyConfig) -> KeySource[Keyring] | None:
    if config.master_keys:
        return StaticKeySource(Keyring.parse(config.master_keys.get_secret_value()))
    path = key_file_path(config.data_dir)
    return KeyFileSource(path, Keyring.parse) if path.exists() else None


def _sealing_source(config: KeyConfig) -> KeySource[SealingKey]:
    if config.sealing_key:
        return StaticKeySource(SealingKey.parse(config.sealing_key))
    path = config.data_dir / SEALING_KEY_FILE
    if not path.exists():
        raise KeyModeError(
            "GRIDLINK_KEY_MODE=api needs the public sealing key: run `gridlink keys public` "
            f"where the opening keys are and set GRIDLINK_SEALING_KEY to it, or copy it to {path}"
        )
    return KeyFileSource(path, SealingKey.parse)


def api_keys_source(config: KeyConfig) -> KeySource[Keyring]:
    if config.api_keys:
        return StaticKeySource(Keyring.parse(config.api_keys.get_secret_value()))
    path = config.data_dir / API_KEYS_FILE
    if not path.exists():
        raise KeyModeError(
            "GRIDLINK_KEY_MODE=api needs the API keys (for saved idempotency responses): set "
            f"GRIDLINK_API_KEYS, or create {path} with `gridlink keys init` "
            "(GRIDLINK_KEY_MODE=api); every API process needs the same ones"
        )
    warn_if_readable_by_others(path)
    return KeyFileSource(path, Keyring.parse)


def _refuse_opening_keys_in_api(config: KeyConfig) -> None:
    for variable, value in (
        ("GRIDLINK_MASTER_KEYS", config.master_keys),
        ("GRIDLINK_OPENING_KEYS", config.opening_keys),
    ):
        if value:
            raise KeyModeError(
                f"GRIDLINK_KEY_MODE=api must not hold keys that open secrets: unset {variable} "
                "for API processes (only workers hold them)"
            )
    for name in (key_file_path(config.data_dir).name, OPENING_KEYS_FILE):
        if (config.data_dir / name).exists():
            logger.warning(
                "an API process's data folder holds a key file that opens secrets; this "
                "process does not read it, but anyone who takes over the host can: move it to "
                "the workers",
                extra={"path": str(config.data_dir / name)},
            )


def open_process_keys(config: KeyConfig) -> ProcessKeys:
    """The key sources of this process's mode; ``KeyModeError`` says what is missing."""
    if config.key_mode == "api":
        _refuse_opening_keys_in_api(config)
        sealing: KeySource[Ring] = _sealing_source(config)
        return ProcessKeys("api", sealing, api_keys_source(config))
    if config.key_mode == "worker":
        worker: KeySource[Ring] = WorkerSource(opening_source(config), legacy_source(config))
        worker.current()  # a bad key file or a clash of key ids stops the start-up, not a job
        return ProcessKeys("worker", worker, None)
    master: KeySource[Ring] = open_key_source(_secret(config.master_keys), config.data_dir)
    return ProcessKeys("master", master, master)


def keys_for_app(config: KeyConfig, *, run_worker: bool) -> tuple[ProcessKeys, KeySource[Ring]]:
    """The keys of an API process (``gridlink serve``, ``create_app``) and its response ring."""
    if config.key_mode == "api" and run_worker:
        raise KeyModeError(
            "GRIDLINK_KEY_MODE=api cannot run the worker in the same process (a worker opens "
            "secrets): start it with `gridlink serve --no-worker` (or GRIDLINK_RUN_WORKER=false) "
            "and run `gridlink worker` with GRIDLINK_KEY_MODE=worker"
        )
    if config.key_mode == "worker":
        raise KeyModeError(
            "GRIDLINK_KEY_MODE=worker is for `gridlink worker`; serve the API with "
            "GRIDLINK_KEY_MODE=api (split deployment) or master (one process)"
        )
    keys = open_process_keys(config)
    assert keys.responses is not None  # master and api modes always have them
    return keys, keys.responses


def keys_for_worker(config: KeyConfig) -> ProcessKeys:
    if config.key_mode == "api":
        raise KeyModeError(
            "a worker opens secrets: run `gridlink worker` with GRIDLINK_KEY_MODE=worker (split "
            "deployment) or master (one process), not api"
        )
    return open_process_keys(config)
