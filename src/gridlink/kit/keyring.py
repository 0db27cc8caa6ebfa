"""Master keys, and sealing small values with keys derived from them.

Keys come from ``GRIDLINK_MASTER_KEYS`` (``id:base64key,...``, the first is primary) or, in the
embedded default, from ``DATA_DIR/master.keys``, created with mode 0600 on first start (and a
warning: a key next to the database it protects only guards against leaked dumps).

A ``KeySource`` hands out the current ring. The key file source notices when ``gridlink keys
rotate`` rewrites the file, so a running server adopts a new primary key without a restart; the
environment source is fixed for the life of the process (rotate by redeploying).

``seal``/``open_sealed`` are AES-256-GCM with a fresh 96-bit nonce and a key derived by HKDF
from a master key and a caller-chosen context; the associated data binds the ciphertext to where
it is stored. The envelope records the master key id, so old keys keep opening old data after a
rotation.

``Ring`` is what the vault and the webhook secrets seal with: this symmetric ``Keyring`` (the
one-process default), or the key pairs of ``kit/keypairs.py`` when API processes may seal but
not open (``GRIDLINK_KEY_MODE``, ADR 0012).
"""

from __future__ import annotations

import base64
import contextlib
import logging
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, Protocol, TypeVar

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

logger = logging.getLogger(__name__)

KEY_FILE_NAME = "master.keys"
_NONCE_LEN = 12


class KeyringError(Exception):
    """The key configuration is unusable (bad format, wrong length, unknown key id)."""


class SealOnlyError(KeyringError):
    """This process holds only a public sealing key: it was asked to open something."""


class Ring(Protocol):
    """Seals under its primary key; opens what any key it holds sealed.

    Envelopes start with ``key id \\0``, whatever the kind of key."""

    @property
    def primary_id(self) -> str: ...

    @property
    def can_open(self) -> bool:
        """False for a seal-only ring (an API process in split mode)."""
        ...

    def holds(self, key_id: str) -> bool:
        """Whether this ring can open envelopes sealed under ``key_id``."""
        ...

    def seal(self, plaintext: bytes, *, context: bytes, aad: bytes) -> bytes: ...

    def open_sealed(self, envelope: bytes, *, context: bytes, aad: bytes) -> bytes: ...


def key_id_of(envelope: bytes) -> str:
    """The id of the key that sealed ``envelope`` (any kind of ring)."""
    return envelope.partition(b"\0")[0].decode(errors="replace")


def check_key_id(key_id: str) -> None:
    if not key_id or not key_id.isascii() or not key_id.isprintable() or len(key_id) > 40:
        raise KeyringError("a key id is 1 to 40 printable ASCII characters")
    if any(c in key_id for c in ":, "):
        raise KeyringError(f"key id {key_id!r} must not contain ':', ',' or spaces")


@dataclass(frozen=True)
class Keyring:
    keys: dict[str, bytes]
    primary_id: str
    can_open = True

    @classmethod
    def parse(cls, text: str) -> Keyring:
        keys: dict[str, bytes] = {}
        order: list[str] = []
        for item in (part.strip() for part in text.replace("\n", ",").split(",")):
            if not item:
                continue
            key_id, sep, encoded = item.partition(":")
            if not sep or not key_id:
                raise KeyringError("each master key must be written as id:base64key")
            check_key_id(key_id)
            try:
                key = base64.b64decode(encoded, validate=True)
            except ValueError as exc:
                raise KeyringError(f"master key {key_id!r} is not valid base64") from exc
            if len(key) != 32:
                raise KeyringError(f"master key {key_id!r} must be 32 bytes (256 bits)")
            keys[key_id] = key
            order.append(key_id)
        if not order:
            raise KeyringError("no master key given")
        return cls(keys=keys, primary_id=order[0])

    def with_new_primary(self) -> Keyring:
        """This ring plus a fresh random key, which becomes the primary."""
        key_id = generate_key_id()
        while key_id in self.keys:  # pragma: no cover - 32 random bits
            key_id = generate_key_id()
        return Keyring(keys={key_id: os.urandom(32), **self.keys}, primary_id=key_id)

    def without(self, key_id: str) -> Keyring:
        if key_id == self.primary_id:
            raise KeyringError(f"master key {key_id!r} is the primary key; rotate first")
        if key_id not in self.keys:
            raise KeyringError(f"master key {key_id!r} is not in the key ring")
        keys = {k: v for k, v in self.keys.items() if k != key_id}
        return Keyring(keys=keys, primary_id=self.primary_id)

    @staticmethod
    def key_id_of(envelope: bytes) -> str:
        """The id of the master key that sealed ``envelope``."""
        return key_id_of(envelope)

    def holds(self, key_id: str) -> bool:
        return key_id in self.keys

    def serialize(self) -> str:
        ordered = [self.primary_id] + [k for k in self.keys if k != self.primary_id]
        return ",".join(f"{k}:{base64.b64encode(self.keys[k]).decode()}" for k in ordered)

    def _derive(self, key_id: str, context: bytes) -> AESGCM:
        try:
            master = self.keys[key_id]
        except KeyError as exc:
            raise KeyringError(f"master key {key_id!r} is not in the key ring") from exc
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=context).derive(master)
        return AESGCM(derived)

    def seal(self, plaintext: bytes, *, context: bytes, aad: bytes) -> bytes:
        """Encrypt under the primary key. Output: ``key_id \\0 nonce ciphertext+tag``."""
        nonce = os.urandom(_NONCE_LEN)
        sealed = self._derive(self.primary_id, context).encrypt(nonce, plaintext, aad)
        return self.primary_id.encode() + b"\0" + nonce + sealed

    def open_sealed(self, envelope: bytes, *, context: bytes, aad: bytes) -> bytes:
        key_id, _, rest = envelope.partition(b"\0")
        nonce, sealed = rest[:_NONCE_LEN], rest[_NONCE_LEN:]
        return self._derive(key_id.decode(), context).decrypt(nonce, sealed, aad)


def generate_key_id() -> str:
    return "k" + os.urandom(4).hex()


R = TypeVar("R")
R_co = TypeVar("R_co", covariant=True)


class KeySource(Protocol[R_co]):
    """Where the current key ring comes from."""

    def current(self) -> R_co:
        """The ring to use now (cheap; call it for every operation)."""
        ...

    def refresh(self) -> R_co:
        """Re-read the ring, e.g. after meeting a key id it does not hold."""
        ...


class StaticKeySource(Generic[R]):
    """Keys from the environment (e.g. ``GRIDLINK_MASTER_KEYS``): fixed for the process's life."""

    def __init__(self, ring: R) -> None:
        self._ring = ring

    def current(self) -> R:
        return self._ring

    def refresh(self) -> R:
        return self._ring


class KeyFileSource(Generic[R]):
    """Keys from a local key file, re-read whenever the file changes."""

    def __init__(self, path: Path, parse: Callable[[str], R]) -> None:
        self.path = path
        self._parse = parse
        self._lock = threading.Lock()
        self._stamp: tuple[int, int, int] | None = None
        self._ring: R | None = None

    def _read(self) -> R:
        try:
            stat = self.path.stat()
        except FileNotFoundError as exc:
            if self._ring is None:
                raise KeyringError(f"the key file {self.path} is missing") from exc
            # Keep serving with the keys we hold; losing them now would lose every secret.
            logger.error("a key file is gone; restore it", extra={"path": str(self.path)})
            return self._ring
        stamp = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        with self._lock:
            if self._ring is None or stamp != self._stamp:
                self._ring, self._stamp = self._parse(self.path.read_text()), stamp
            return self._ring

    def current(self) -> R:
        return self._read()

    def refresh(self) -> R:
        with self._lock:
            self._stamp = None
        return self._read()


class LiveRing:
    """A ``Ring`` that asks its source on every call, so a rotated key file is picked up by a
    running process (and an unknown key id makes it re-read the source once)."""

    def __init__(self, source: KeySource[Ring]) -> None:
        self.source = source

    @property
    def primary_id(self) -> str:
        return self.source.current().primary_id

    @property
    def can_open(self) -> bool:
        return self.source.current().can_open

    def holds(self, key_id: str) -> bool:
        return self._holding(key_id).holds(key_id)

    def _holding(self, key_id: str) -> Ring:
        ring = self.source.current()
        return ring if ring.holds(key_id) else self.source.refresh()

    def seal(self, plaintext: bytes, *, context: bytes, aad: bytes) -> bytes:
        return self.source.current().seal(plaintext, context=context, aad=aad)

    def open_sealed(self, envelope: bytes, *, context: bytes, aad: bytes) -> bytes:
        ring = self._holding(key_id_of(envelope))
        return ring.open_sealed(envelope, context=context, aad=aad)


def key_file_path(data_dir: Path) -> Path:
    return data_dir / KEY_FILE_NAME


def write_key_file(path: Path, text: str, mode: int = 0o600) -> None:
    """Replace a key file atomically; the new file is created with ``mode`` (0600: secret)."""
    temporary = path.with_name(f".{path.name}.{os.urandom(4).hex()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def key_file_lock(path: Path) -> Iterator[None]:
    """One key file writer at a time: two rotations must not drop each other's key."""
    import fcntl

    fd = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def add_primary_key(path: Path) -> Keyring:
    """Add a fresh key to the key file as its primary; older keys stay to open old data."""
    with key_file_lock(path):
        ring = Keyring.parse(path.read_text()).with_new_primary()
        write_key_file(path, ring.serialize())
    return ring


def remove_key(path: Path, key_id: str) -> Keyring:
    with key_file_lock(path):
        ring = Keyring.parse(path.read_text()).without(key_id)
        write_key_file(path, ring.serialize())
    return ring


def _create_key_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    key_id = generate_key_id()
    ring = Keyring(keys={key_id: os.urandom(32)}, primary_id=key_id)
    with contextlib.suppress(FileExistsError):  # another process created it first
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(ring.serialize() + "\n")
        logger.warning(
            "created a local master key file; in production set GRIDLINK_MASTER_KEYS from a "
            "secret store instead, and back the key up apart from the database",
            extra={"path": str(path)},
        )


def warn_if_readable_by_others(path: Path) -> None:
    if path.stat().st_mode & 0o077:
        logger.warning(
            "a key file can be read by other users; run chmod 600 on it",
            extra={"path": str(path)},
        )


def open_key_source(configured: str | None, data_dir: Path) -> KeySource[Keyring]:
    if configured:
        return StaticKeySource(Keyring.parse(configured))
    path = key_file_path(data_dir)
    if not path.exists():
        _create_key_file(path)
    else:
        warn_if_readable_by_others(path)
    return KeyFileSource(path, Keyring.parse)
