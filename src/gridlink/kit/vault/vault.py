"""The vault: the one place utility passwords, MFA session tokens and OAuth refresh tokens live.

A *record* (say, utility credential ``ucr_...`` of client ``cli_...``) owns one data key and any
number of sealed *fields*. ``seal`` stores a field, ``open`` returns it, ``destroy`` deletes the
record's data key and fields (crypto-shredding). Every failure to open is a ``VaultError``
whose message never contains plaintext. The design is in
docs/decisions/0008-envelope-encryption.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.kit.clock import Clock
from gridlink.kit.ids import new_id
from gridlink.kit.keyring import Keyring, KeyringError, KeySource
from gridlink.kit.vault import envelope
from gridlink.kit.vault.repository import VaultRepository
from gridlink.models import DataKey

FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
MAX_PLAINTEXT_BYTES = 256 * 1024  # room for a utility's session cookie jar


class VaultError(Exception):
    """A value cannot be sealed or opened. The message says why, never what the value was."""


class SealedValueMissing(VaultError):
    """Nothing is sealed for this record and field (never sealed, or destroyed)."""


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


def _check(owner: Owner, field: str) -> None:
    if not FIELD_NAME.match(field):
        raise VaultError(f"field name {field!r} must be lowercase letters, digits and _")
    if not owner.client_id or not owner.record_id or len(owner.record_id) > 100:
        raise VaultError("owner needs a client id and a record id of at most 100 characters")


def unwrap_data_key(keys: KeySource, row: DataKey) -> bytes:
    """The plain data key of ``row``; re-reads the key ring once if its master key is unknown."""
    master_key_id = Keyring.key_id_of(row.wrapped_key)
    ring = keys.current()
    if master_key_id not in ring.keys:
        ring = keys.refresh()
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


class Vault:
    def __init__(self, keys: KeySource, clock: Clock) -> None:
        self.keys = keys
        self.clock = clock

    async def _data_key(self, repo: VaultRepository, owner: Owner) -> tuple[DataKey, bytes]:
        row = await repo.data_key(owner.client_id, owner.record_id)
        if row is not None:
            return row, unwrap_data_key(self.keys, row)
        ring = self.keys.current()
        data_key, key_id = envelope.new_data_key(), new_id("dk")
        aad = envelope.wrap_aad(owner.client_id, owner.record_id, key_id)
        row = DataKey(
            id=key_id,
            client_id=owner.client_id,
            record_id=owner.record_id,
            master_key_id=ring.primary_id,
            wrapped_key=envelope.wrap(ring, data_key, aad),
            created_at=self.clock.now(),
        )
        if await repo.add_data_key(row):
            return row, data_key
        existing = await repo.data_key(owner.client_id, owner.record_id)  # a concurrent seal won
        if existing is None:
            raise VaultError("the record's data key vanished while sealing; retry")
        return existing, unwrap_data_key(self.keys, existing)

    async def seal(
        self, session: AsyncSession, *, owner: Owner, field: str, plaintext: bytes | bytearray
    ) -> SealedRef:
        """Store ``plaintext`` as ``field`` of the record, replacing an earlier value."""
        _check(owner, field)
        if len(plaintext) > MAX_PLAINTEXT_BYTES:
            raise VaultError(f"a sealed value holds at most {MAX_PLAINTEXT_BYTES} bytes")
        repo = VaultRepository(session)
        row, data_key = await self._data_key(repo, owner)
        aad = envelope.field_aad(owner.client_id, owner.record_id, field, row.id)
        ciphertext = envelope.encrypt(data_key, bytes(plaintext), aad)
        await repo.put_field(row.id, field, ciphertext, self.clock.now())
        return SealedRef(owner, field, row.id, row.master_key_id)

    async def open(self, session: AsyncSession, *, owner: Owner, field: str) -> bytes:
        _check(owner, field)
        found = await VaultRepository(session).field(owner.client_id, owner.record_id, field)
        if found is None:
            raise SealedValueMissing(f"nothing is sealed as {field!r} for record {owner.record_id}")
        row, ciphertext = found
        data_key = unwrap_data_key(self.keys, row)
        aad = envelope.field_aad(owner.client_id, owner.record_id, field, row.id)
        try:
            return envelope.decrypt(data_key, ciphertext, aad)
        except envelope.SealBroken as exc:
            raise VaultError(
                f"the value sealed as {field!r} for record {owner.record_id} does not "
                "authenticate: it was altered or moved from another record or field"
            ) from exc

    async def destroy(self, session: AsyncSession, owner: Owner) -> bool:
        """Delete the record's data key and sealed fields. True if there was something."""
        return await VaultRepository(session).delete_record(owner.client_id, owner.record_id)
