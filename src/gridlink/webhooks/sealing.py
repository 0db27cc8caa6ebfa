"""Signing secrets at rest: sealed with the key ring, bound to the client and the endpoint.

The associated data names the client and the endpoint, so a sealed secret copied onto another
endpoint's row does not open. A rotation moves the sealed value to the ``previous`` column
unchanged, which the same binding allows. In a split deployment (ADR 0012) API processes seal
to the workers' public key and only the workers, which sign deliveries, can open.
"""

from __future__ import annotations

from gridlink.kit.keyring import Ring

_CONTEXT = b"webhook-endpoint-secret"


def _aad(client_id: str, endpoint_id: str) -> bytes:
    return f"{client_id}|{endpoint_id}".encode()


def seal_secret(keyring: Ring, client_id: str, endpoint_id: str, secret: str) -> bytes:
    return keyring.seal(secret.encode(), context=_CONTEXT, aad=_aad(client_id, endpoint_id))


def open_secret(keyring: Ring, client_id: str, endpoint_id: str, sealed: bytes) -> str:
    plain = keyring.open_sealed(sealed, context=_CONTEXT, aad=_aad(client_id, endpoint_id))
    return plain.decode()
