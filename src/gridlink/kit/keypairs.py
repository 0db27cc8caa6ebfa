"""Key pairs for the split deployment: API processes seal to a public key, workers open.

HPKE (RFC 9180) base mode through ``cryptography``: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256,
AES-256-GCM. Each seal is a fresh ephemeral key exchange with the recipient's public key, so the
holder of the public key alone cannot open anything it sealed, nor anything else. The single-shot
API carries no associated data; RFC 9180 section 8.1 says to put it into ``info``, which the key
schedule binds, so a ciphertext opened with another context or another place's ``aad`` fails.

* ``SealingKey``: one public key with its id. What an API process holds (``GRIDLINK_KEY_MODE=api``).
* ``OpeningKeys``: private keys with ids, the first one primary. What workers hold.
* ``WorkerRing``: the opening keys plus, optionally, the older symmetric master keys, so a worker
  opens what was sealed before the deployment was split, until ``gridlink keys rewrap`` moved it.

Envelopes look like the master keys' ones: ``key id \\0 enc ciphertext``, so one key id prefix
tells which key (and which kind) sealed a value. See docs/decisions/0012-seal-only-api.md.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass

from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from gridlink.kit.keyring import (
    Keyring,
    KeyringError,
    SealOnlyError,
    check_key_id,
    key_id_of,
)

SUITE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
_INFO_LABEL = b"gridlink.hpke.v1"
_KEY_BYTES = 32

SEAL_ONLY_MESSAGE = (
    "this process runs with GRIDLINK_KEY_MODE=api and holds only the public sealing key: it can "
    "seal secrets but not open them; workers (GRIDLINK_KEY_MODE=worker) open them"
)


def _info(key_id: str, context: bytes, aad: bytes) -> bytes:
    """The label, then each part length-prefixed, so no two tuples encode alike."""
    parts = [_INFO_LABEL]
    for part in (key_id.encode(), context, aad):
        parts.append(len(part).to_bytes(4, "big") + part)
    return b"".join(parts)


def _split(envelope: bytes) -> tuple[str, bytes]:
    key_id, sep, rest = envelope.partition(b"\0")
    if not sep:
        raise KeyringError("not a sealed envelope (no key id)")
    return key_id.decode(errors="replace"), rest


def _decode(key_id: str, encoded: str, what: str) -> bytes:
    try:
        raw = base64.b64decode(encoded, validate=True)
    except ValueError as exc:
        raise KeyringError(f"{what} {key_id!r} is not valid base64") from exc
    if len(raw) != _KEY_BYTES:
        raise KeyringError(f"{what} {key_id!r} must be {_KEY_BYTES} bytes (X25519)")
    return raw


def _entries(text: str, what: str) -> list[tuple[str, str]]:
    entries = []
    for item in (part.strip() for part in text.replace("\n", ",").split(",")):
        if not item:
            continue
        key_id, sep, encoded = item.partition(":")
        if not sep or not key_id:
            raise KeyringError(f"each {what} must be written as id:base64key")
        check_key_id(key_id)
        entries.append((key_id, encoded))
    if not entries:
        raise KeyringError(f"no {what} given")
    return entries


def generate_pair_id() -> str:
    """Key pair ids start with ``x`` (X25519); master key ids with ``k``."""
    return "x" + os.urandom(4).hex()


def _public_bytes(key: X25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


@dataclass(frozen=True)
class SealingKey:
    """A public key: seals, never opens."""

    key_id: str
    public_key: X25519PublicKey
    can_open = False

    @classmethod
    def parse(cls, text: str) -> SealingKey:
        entries = _entries(text, "sealing key")
        if len(entries) != 1:
            raise KeyringError("give exactly one sealing key (the current one), as id:base64key")
        key_id, encoded = entries[0]
        raw = _decode(key_id, encoded, "sealing key")
        return cls(key_id, X25519PublicKey.from_public_bytes(raw))

    def serialize(self) -> str:
        return f"{self.key_id}:{base64.b64encode(_public_bytes(self.public_key)).decode()}"

    @property
    def primary_id(self) -> str:
        return self.key_id

    def holds(self, key_id: str) -> bool:
        return False

    def seal(self, plaintext: bytes, *, context: bytes, aad: bytes) -> bytes:
        sealed = SUITE.encrypt(plaintext, self.public_key, info=_info(self.key_id, context, aad))
        return self.key_id.encode() + b"\0" + sealed

    def open_sealed(self, envelope: bytes, *, context: bytes, aad: bytes) -> bytes:
        raise SealOnlyError(SEAL_ONLY_MESSAGE)


@dataclass(frozen=True, eq=False)
class OpeningKeys:
    """Private keys, the first one primary (sealed to by workers and, via its public key, by
    API processes); the others only open."""

    keys: dict[str, X25519PrivateKey]
    primary_id: str
    can_open = True

    @classmethod
    def parse(cls, text: str) -> OpeningKeys:
        keys: dict[str, X25519PrivateKey] = {}
        for key_id, encoded in _entries(text, "opening key"):
            raw = _decode(key_id, encoded, "opening key")
            keys[key_id] = X25519PrivateKey.from_private_bytes(raw)
        return cls(keys=keys, primary_id=next(iter(keys)))

    @classmethod
    def generate(cls) -> OpeningKeys:
        key_id = generate_pair_id()
        return cls(keys={key_id: X25519PrivateKey.generate()}, primary_id=key_id)

    def serialize(self) -> str:
        ordered = [self.primary_id] + [k for k in self.keys if k != self.primary_id]
        return ",".join(f"{k}:{self._private_b64(k)}" for k in ordered)

    def _private_b64(self, key_id: str) -> str:
        raw = self.keys[key_id].private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        return base64.b64encode(raw).decode()

    def with_new_primary(self) -> OpeningKeys:
        key_id = generate_pair_id()
        while key_id in self.keys:  # pragma: no cover - 32 random bits
            key_id = generate_pair_id()
        return OpeningKeys(
            keys={key_id: X25519PrivateKey.generate(), **self.keys}, primary_id=key_id
        )

    def without(self, key_id: str) -> OpeningKeys:
        if key_id == self.primary_id:
            raise KeyringError(f"key pair {key_id!r} is the primary key pair; rotate first")
        if key_id not in self.keys:
            raise KeyringError(f"key pair {key_id!r} is not among the opening keys")
        keys = {k: v for k, v in self.keys.items() if k != key_id}
        return OpeningKeys(keys=keys, primary_id=self.primary_id)

    def sealing_key(self) -> SealingKey:
        """The public half of the primary key pair: what API processes seal to."""
        return SealingKey(self.primary_id, self.keys[self.primary_id].public_key())

    def holds(self, key_id: str) -> bool:
        return key_id in self.keys

    def seal(self, plaintext: bytes, *, context: bytes, aad: bytes) -> bytes:
        return self.sealing_key().seal(plaintext, context=context, aad=aad)

    def open_sealed(self, envelope: bytes, *, context: bytes, aad: bytes) -> bytes:
        """Raises ``KeyringError`` for a key id it does not hold, ``InvalidTag`` when the
        envelope does not authenticate (altered, or another context or ``aad``)."""
        key_id, sealed = _split(envelope)
        try:
            private = self.keys[key_id]
        except KeyError as exc:
            raise KeyringError(f"key pair {key_id!r} is not among the opening keys") from exc
        return SUITE.decrypt(sealed, private, info=_info(key_id, context, aad))


@dataclass(frozen=True, eq=False)
class WorkerRing:
    """A worker's ring: seals under the primary key pair, opens under any key pair it holds or
    any master key left from before the split (``legacy``)."""

    pairs: OpeningKeys
    legacy: Keyring | None = None
    can_open = True

    def __post_init__(self) -> None:
        shared = set(self.pairs.keys) & set(self.legacy.keys if self.legacy else ())
        if shared:
            raise KeyringError(f"key id {sorted(shared)[0]!r} names a master key and a key pair")

    @property
    def primary_id(self) -> str:
        return self.pairs.primary_id

    def holds(self, key_id: str) -> bool:
        return self.pairs.holds(key_id) or (self.legacy is not None and self.legacy.holds(key_id))

    def seal(self, plaintext: bytes, *, context: bytes, aad: bytes) -> bytes:
        return self.pairs.seal(plaintext, context=context, aad=aad)

    def open_sealed(self, envelope: bytes, *, context: bytes, aad: bytes) -> bytes:
        if self.legacy is not None and self.legacy.holds(key_id_of(envelope)):
            return self.legacy.open_sealed(envelope, context=context, aad=aad)
        return self.pairs.open_sealed(envelope, context=context, aad=aad)
