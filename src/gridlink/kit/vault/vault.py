"""The vault: the one place utility passwords, MFA session tokens and OAuth refresh tokens live.

A *record* (say, utility credential ``ucr_...`` of client ``cli_...``) owns one data key and any
number of sealed *fields*. ``seal`` stores a field, ``open`` returns it, ``destroy`` deletes the
record's data key and fields (crypto-shredding). Every failure to open is a ``VaultError``
whose message never contains plaintext. The design is in
docs/decisions/0008-envelope-encryption.md.

With a seal-only key ring (an API process, ``GRIDLINK_KEY_MODE=api``) ``seal`` seals each field
straight to the public key, since it cannot unwrap the record's data key, and ``open`` raises
``SealOnly`` before reading anything (docs/decisions/0012-seal-only-api.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.kit.clock import Clock
from gridlink.kit.ids import new_id
from gridlink.kit.keypairs import SEAL_ONLY_MESSAGE
from gridlink.kit.keyring import KeyringError, KeySource, Ring, key_id_of
from gridlink.kit.vault import envelope
from gridlink.kit.vault.repository import VaultRepository
from gridlink.metrics.definitions import vault_operation
from gridlink.models import DataKey

FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
MAX_PLAINTEXT_BYTES = 256 * 1024  # room for a utility's session cookie jar


class VaultError(Exception):
    """A value cannot be sealed or opened. The message says why, never what the value was."""


class SealedValueMissing(VaultError):
    """Nothing is sealed for this record and field (never sealed, or destroyed)."""


class SealOnly(VaultError):
    """This process holds only the public sealing key: it seals, workers open."""


class Owner(NamedTuple):
    client_id: str
    record_id: str


@dataclass(frozen=True)
class SealedRef:
    """Where a value was sealed: enough to log or to open it again, nothing secret."""

    owner: Owner
    field: str
    data_key_id: str
    master_key_id: str
    """The key that protects it: the one wrapping the data key, or the key pair it was sealed
    to directly (by a seal-only process)."""


def _check(owner: Owner, field: str) -> None:
    if not FIELD_NAME.match(field):
        raise VaultError(f"field name {field!r} must be lowercase letters, digits and _")
    if not owner.client_id or not owner.record_id or len(owner.record_id) > 100:
        raise VaultError("owner needs a client id and a record id of at most 100 characters")


def _ring_holding(keys: KeySource[Ring], key_id: str) -> Ring:
    """The current ring, re-read once if it does not hold ``key_id``."""
    ring = keys.current()
    if not ring.can_open:
        raise SealOnly(SEAL_ONLY_MESSAGE)
    return ring if ring.holds(key_id) else keys.refresh()


def unwrap_data_key(keys: KeySource[Ring], row: DataKey) -> bytes:
    """The plain data key of ``row``; re-reads the key ring once if its master key is unknown."""
    master_key_id = key_id_of(row.wrapped_key)
    ring = _ring_holding(keys, master_key_id)
    aad = envelope.wrap_aad(row.client_id, row.record_id, row.id)
    try:
        return envelope.unwrap(ring, row.wrapped_key, aad)
    except KeyringError as exc:
        raise VaultError(
            f"data key {row.id} is wrapped under master key {master_key_id!r}, which is not in "
            "the key ring: put that key back into GRIDLINK_MASTER_KEYS or the key file"
        ) from exc
    except envelope.SealBroken as exc:
        raise VaultError(
            f"data key {row.id} does not authenticate: it was altered or moved to another record"
        ) from exc


def open_sealed_to_key(keys: KeySource[Ring], row: DataKey, field: str, sealed: bytes) -> bytes:
    """A field a seal-only process sealed straight to a key pair (format ``0x02``)."""
    key_id = envelope.sealed_to_key_id(sealed)
    ring = _ring_holding(keys, key_id)
    aad = envelope.field_aad(row.client_id, row.record_id, field, row.id)
    try:
        return envelope.open_from_key(ring, sealed, aad)
    except KeyringError as exc:
        raise VaultError(
            f"the value sealed as {field!r} for record {row.record_id} is sealed to key pair "
            f"{key_id!r}, which is not among the opening keys: put it back into "
            "GRIDLINK_OPENING_KEYS or the opening key file"
        ) from exc
    except envelope.SealBroken as exc:
        raise VaultError(
            f"the value sealed as {field!r} for record {row.record_id} does not "
            "authenticate: it was altered or moved from another record or field"
        ) from exc


class Vault:
    def __init__(self, keys: KeySource[Ring], clock: Clock) -> None:
        self.keys = keys
        self.clock = clock

    def _plain(self, ring: Ring, row: DataKey) -> bytes | None:
        return unwrap_data_key(self.keys, row) if ring.can_open else None

    async def _data_key(
        self, repo: VaultRepository, owner: Owner, ring: Ring
    ) -> tuple[DataKey, bytes | None]:
        """The record's data key row, and the plain data key unless this ring cannot open."""
        row = await repo.data_key(owner.client_id, owner.record_id)
        if row is not None:
            return row, self._plain(ring, row)
        data_key, key_id = envelope.new_data_key(), new_id("dk")
        aad = envelope.wrap_aad(owner.client_id, owner.record_id, key_id)
        wrapped = envelope.wrap(ring, data_key, aad)
        row = DataKey(
            id=key_id,
            client_id=owner.client_id,
            record_id=owner.record_id,
            master_key_id=key_id_of(wrapped),
            wrapped_key=wrapped,
            created_at=self.clock.now(),
        )
        if await repo.add_data_key(row):
            # A seal-only process forgets the key at once: it seals fields to the public key.
            return row, data_key if ring.can_open else None
        existing = await repo.data_key(owner.client_id, owner.record_id)  # a concurrent seal won
        if existing is None:
            raise VaultError("the record's data key vanished while sealing; retry")
        return existing, self._plain(ring, existing)

    @vault_operation("seal")
    async def seal(
        self, session: AsyncSession, *, owner: Owner, field: str, plaintext: bytes | bytearray
    ) -> SealedRef:
        """Store ``plaintext`` as ``field`` of the record, replacing an earlier value."""
        _check(owner, field)
        if len(plaintext) > MAX_PLAINTEXT_BYTES:
            raise VaultError(f"a sealed value holds at most {MAX_PLAINTEXT_BYTES} bytes")
        repo = VaultRepository(session)
        ring = self.keys.current()
        row, data_key = await self._data_key(repo, owner, ring)
        aad = envelope.field_aad(owner.client_id, owner.record_id, field, row.id)
        if data_key is None:
            ciphertext = envelope.seal_to_key(ring, bytes(plaintext), aad)
            protected_by = envelope.sealed_to_key_id(ciphertext)
        else:
            ciphertext = envelope.encrypt(data_key, bytes(plaintext), aad)
            protected_by = row.master_key_id
        await repo.put_field(row.id, field, ciphertext, self.clock.now())
        return SealedRef(owner, field, row.id, protected_by)

    @vault_operation("open", missing=SealedValueMissing)
    async def open(self, session: AsyncSession, *, owner: Owner, field: str) -> bytes:
        _check(owner, field)
        if not self.keys.current().can_open:
            raise SealOnly(SEAL_ONLY_MESSAGE)
        found = await VaultRepository(session).field(owner.client_id, owner.record_id, field)
        if found is None:
            raise SealedValueMissing(f"nothing is sealed as {field!r} for record {owner.record_id}")
        row, ciphertext = found
        if envelope.is_sealed_to_key(ciphertext):
            return open_sealed_to_key(self.keys, row, field, ciphertext)
        data_key = unwrap_data_key(self.keys, row)
        aad = envelope.field_aad(owner.client_id, owner.record_id, field, row.id)
        try:
            return envelope.decrypt(data_key, ciphertext, aad)
        except envelope.SealBroken as exc:
            raise VaultError(
                f"the value sealed as {field!r} for record {owner.record_id} does not "
                "authenticate: it was altered or moved from another record or field"
            ) from exc

    @vault_operation("shred")
    async def destroy(self, session: AsyncSession, owner: Owner) -> bool:
        """Delete the record's data key and sealed fields. True if there was something."""
        return await VaultRepository(session).delete_record(owner.client_id, owner.record_id)
