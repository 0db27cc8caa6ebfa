"""A custodian's client secret at rest: sealed with the key ring that seals utility secrets,
bound to the custodian's id, so a sealed secret copied to another custodian's row does not open.
In a split deployment (ADR 0012) the CLI and API processes seal, and only the workers (which
exchange codes and refresh tokens) open."""

from __future__ import annotations

from gridlink.kit.keyring import Ring

_CONTEXT = b"green-button-custodian-secret"


def seal_client_secret(ring: Ring, custodian_id: str, secret: str) -> bytes:
    return ring.seal(secret.encode(), context=_CONTEXT, aad=custodian_id.encode())


def open_client_secret(ring: Ring, custodian_id: str, sealed: bytes) -> str:
    return ring.open_sealed(sealed, context=_CONTEXT, aad=custodian_id.encode()).decode()
