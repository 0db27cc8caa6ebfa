"""The cryptography of the vault, without storage: data keys, wrapping, sealing one field.

* A data key is 32 random bytes (AES-256), one per vault record.
* It is stored wrapped: AES-256-GCM under a key derived from the primary master key
  (``Keyring.seal``), with associated data naming the client, the record and the data key id,
  so a wrapped key copied to another record does not unwrap.
* A field value is AES-256-GCM under the data key with a fresh 96-bit nonce from
  ``os.urandom``; its associated data names the client, the record, the field and the data
  key id (the "key version": it changes whenever the record gets a new data key). The master
  key version is deliberately *not* part of it, so rotating master keys re-wraps data keys
  without touching any ciphertext.

A process that cannot open (an API process, ``GRIDLINK_KEY_MODE=api``) cannot use a record's
data key either, so it seals each field straight to the public key instead (``0x02 || key id \\0
HPKE``, ``kit/keypairs.py``), with the same associated data. A worker opens both formats; the
re-wrap job moves ``0x02`` fields under their record's data key (ADR 0012).

Associated data is length-prefixed, so no two different tuples encode the same bytes.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from gridlink.kit.keyring import Ring, key_id_of

DATA_KEY_BYTES = 32
NONCE_BYTES = 12
_FORMAT_V1 = b"\x01"
FORMAT_SEALED_TO_KEY = b"\x02"
_WRAP_CONTEXT = b"gridlink/vault/data-key"
_FIELD_CONTEXT = b"gridlink/vault/field"
_WRAP_LABEL = b"gridlink.vault.data-key.v1"
_FIELD_LABEL = b"gridlink.vault.field.v1"


class SealBroken(Exception):
    """A ciphertext or wrapped key failed authentication (wrong place, key or bytes)."""


def _associated_data(label: bytes, *parts: str) -> bytes:
    encoded = [label]
    for part in parts:
        raw = part.encode()
        encoded.append(len(raw).to_bytes(2, "big") + raw)
    return b"".join(encoded)


def wrap_aad(client_id: str, record_id: str, data_key_id: str) -> bytes:
    return _associated_data(_WRAP_LABEL, client_id, record_id, data_key_id)


def field_aad(client_id: str, record_id: str, field: str, data_key_id: str) -> bytes:
    return _associated_data(_FIELD_LABEL, client_id, record_id, field, data_key_id)


def new_data_key() -> bytes:
    return os.urandom(DATA_KEY_BYTES)


def wrap(ring: Ring, data_key: bytes, aad: bytes) -> bytes:
    """The data key sealed under the ring's primary key (the envelope names that key)."""
    return ring.seal(data_key, context=_WRAP_CONTEXT, aad=aad)


def unwrap(ring: Ring, wrapped: bytes, aad: bytes) -> bytes:
    """Raises ``KeyringError`` when the master key is not in the ring, ``SealBroken`` when the
    wrapped key does not authenticate."""
    try:
        return ring.open_sealed(wrapped, context=_WRAP_CONTEXT, aad=aad)
    except InvalidTag as exc:
        raise SealBroken("the wrapped data key does not authenticate") from exc


def encrypt(data_key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """``0x01 || nonce (12) || ciphertext || tag (16)``."""
    nonce = os.urandom(NONCE_BYTES)
    return _FORMAT_V1 + nonce + AESGCM(data_key).encrypt(nonce, plaintext, aad)


def nonce_of(sealed: bytes) -> bytes:
    return sealed[1 : 1 + NONCE_BYTES]


def decrypt(data_key: bytes, sealed: bytes, aad: bytes) -> bytes:
    if sealed[:1] != _FORMAT_V1 or len(sealed) < 1 + NONCE_BYTES + 16:
        raise SealBroken("not a vault ciphertext")
    try:
        return AESGCM(data_key).decrypt(nonce_of(sealed), sealed[1 + NONCE_BYTES :], aad)
    except InvalidTag as exc:
        raise SealBroken("the ciphertext does not authenticate") from exc


def seal_to_key(ring: Ring, plaintext: bytes, aad: bytes) -> bytes:
    """``0x02 || envelope``: the field sealed straight to the ring's primary (public) key."""
    return FORMAT_SEALED_TO_KEY + ring.seal(plaintext, context=_FIELD_CONTEXT, aad=aad)


def is_sealed_to_key(sealed: bytes) -> bool:
    return sealed[:1] == FORMAT_SEALED_TO_KEY


def sealed_to_key_id(sealed: bytes) -> str:
    """The key a ``0x02`` field was sealed to."""
    return key_id_of(sealed[1:])


def open_from_key(ring: Ring, sealed: bytes, aad: bytes) -> bytes:
    """Raises ``KeyringError`` when the ring cannot open it, ``SealBroken`` when it does not
    authenticate."""
    try:
        return ring.open_sealed(sealed[1:], context=_FIELD_CONTEXT, aad=aad)
    except InvalidTag as exc:
        raise SealBroken("the ciphertext does not authenticate") from exc
