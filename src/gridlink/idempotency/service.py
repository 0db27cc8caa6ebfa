"""``Idempotency-Key`` on POST: a retried request gets the first response, not a second effect.

The key is claimed inside the request's own transaction and the response is saved there just
before commit, so the record and the change it describes are stored together or not at all. Only
responses that commit are saved: an error rolls the whole transaction back (nothing happened),
so the same key may be retried once the problem is fixed. Keys live 24 hours.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import timedelta

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.errors import Conflict, InvalidRequest
from gridlink.idempotency.repository import IdempotencyRepository
from gridlink.kit.clock import Clock
from gridlink.kit.ids import new_id
from gridlink.kit.keyring import Ring
from gridlink.models import IdempotencyKey

RETENTION = timedelta(hours=24)
MAX_KEY_LENGTH = 255
# 1-255 printable ASCII characters, not starting or ending with a space (HTTP trims those, so
# such a key could not arrive as sent). The OpenAPI document declares this same pattern.
KEY_PATTERN = r"^[\x21-\x7E]([\x20-\x7E]{0,253}[\x21-\x7E])?$"
_KEY = re.compile(KEY_PATTERN)


@dataclass(frozen=True)
class SavedResponse:
    status_code: int
    body: bytes
    content_type: str


class Replay(Exception):
    """Raised to answer a retried request with its saved response."""

    def __init__(self, saved: SavedResponse) -> None:
        super().__init__("idempotent replay")
        self.saved = saved


def check_key(key: str) -> None:
    if _KEY.fullmatch(key) is None:
        raise InvalidRequest(
            "Idempotency-Key must be 1 to 255 printable ASCII characters; a UUID works well.",
            fields=["Idempotency-Key"],
        )


def fingerprint(method: str, path: str, query: bytes, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), query, body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def _seal_context(key: str) -> bytes:
    return b"idempotency-response:" + key.encode()


@dataclass
class Claim:
    record_id: str
    client_id: str
    key: str

    def aad(self) -> bytes:
        return f"{self.client_id}|{self.record_id}".encode()


async def begin(
    session: AsyncSession,
    clock: Clock,
    keyring: Ring,
    client_id: str,
    key: str,
    request_fingerprint: str,
) -> Claim:
    """Claim ``key`` for this request, or raise ``Replay`` / an error if it was used before."""
    check_key(key)
    now = clock.now()
    key_hash = hashlib.sha256(key.encode()).hexdigest()
    repo = IdempotencyRepository(session)
    await repo.delete_expired(now, client_id, key_hash)
    record = IdempotencyKey(
        id=new_id("idem"),
        client_id=client_id,
        key_hash=key_hash,
        request_hash=request_fingerprint,
        status_code=None,
        response=None,
        created_at=now,
        expires_at=now + RETENTION,
    )
    if await repo.claim(record):
        return Claim(record_id=record.id, client_id=client_id, key=key)
    existing = await repo.get(client_id, key_hash)
    if existing is None or existing.request_hash != request_fingerprint:
        raise InvalidRequest(
            "This Idempotency-Key was already used with a different request. Use a new key "
            "for a new request.",
            fields=["Idempotency-Key"],
        )
    if existing.response is None or existing.status_code is None:
        raise Conflict("A request with this Idempotency-Key is still running; retry shortly.")
    claim = Claim(record_id=existing.id, client_id=client_id, key=key)
    plain = keyring.open_sealed(existing.response, context=_seal_context(key), aad=claim.aad())
    stored = orjson.loads(plain)
    raise Replay(
        SavedResponse(
            status_code=existing.status_code,
            body=stored["body"].encode(),
            content_type=stored["content_type"],
        )
    )


async def save(
    session: AsyncSession,
    keyring: Ring,
    claim: Claim,
    status_code: int,
    content_type: str,
    body: bytes,
) -> None:
    plain = orjson.dumps({"content_type": content_type, "body": body.decode()})
    sealed = keyring.seal(plain, context=_seal_context(claim.key), aad=claim.aad())
    await IdempotencyRepository(session).save_response(claim.record_id, status_code, sealed)


async def purge_expired(session: AsyncSession, clock: Clock) -> int:
    return await IdempotencyRepository(session).delete_expired(clock.now())


async def responses_per_key(session: AsyncSession) -> dict[str, int]:
    """Saved responses per key that sealed them: a key still in use must not be retired."""
    return await IdempotencyRepository(session).count_by_sealing_key()
