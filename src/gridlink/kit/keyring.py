"""Master keys, and sealing small values with keys derived from them.

Keys come from ``GRIDLINK_MASTER_KEYS`` (``id:base64key,...``, the first is primary) or, in the
embedded default, from ``DATA_DIR/master.keys``, created with mode 0600 on first start (and a
warning: a key next to the database it protects only guards against leaked dumps).

``seal``/``open_sealed`` are AES-256-GCM with a fresh 96-bit nonce and a key derived by HKDF
from a master key and a caller-chosen context; the associated data binds the ciphertext to where
it is stored. The envelope records the master key id, so old keys keep opening old data after a
rotation.
"""

from __future__ import annotations

import base64
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

logger = logging.getLogger(__name__)

KEY_FILE_NAME = "master.keys"
_NONCE_LEN = 12


class KeyringError(Exception):
    """The key configuration is unusable (bad format, wrong length, unknown key id)."""


@dataclass(frozen=True)
class Keyring:
    keys: dict[str, bytes]
    primary_id: str

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


def load_keyring(configured: str | None, data_dir: Path) -> Keyring:
    if configured:
        return Keyring.parse(configured)
    path = data_dir / KEY_FILE_NAME
    if path.exists():
        if path.stat().st_mode & 0o077:
            logger.warning(
                "the master key file is readable by other users; run `chmod 600` on it",
                extra={"path": str(path)},
            )
        return Keyring.parse(path.read_text())
    data_dir.mkdir(parents=True, exist_ok=True)
    key_id = generate_key_id()
    ring = Keyring(keys={key_id: os.urandom(32)}, primary_id=key_id)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(ring.serialize() + "\n")
    logger.warning(
        "created a local master key file; in production set GRIDLINK_MASTER_KEYS from a secret "
        "store instead, and back the key up apart from the database",
        extra={"path": str(path)},
    )
    return ring
