"""Signing secrets at rest: sealed with the key ring, bound to the client and the endpoint.

The associated data names the client and the endpoint, so a sealed secret copied onto another
endpoint's row does not open. A rotation moves the sealed value to the ``previous`` column
unchanged, which the same binding allows.
"""

from __future__ import annotations

from gridlink.kit.keyring import Keyring

_CONTEXT = b"webhook-endpoint-secret"


def _aad(client_id: str, endpoint_id: str) -> bytes:
    return f"{client_id}|{endpoint_id}".encode()


def seal_secret(keyring: Keyring, client_id: str, endpoint_id: str, secret: str) -> bytes:
    return keyring.seal(secret.encode(), context=_CONTEXT, aad=_aad(client_id, endpoint_id))


def open_secret(keyring: Keyring, client_id: str, endpoint_id: str, sealed: bytes) -> str:
    plain = keyring.open_sealed(sealed, context=_CONTEXT, aad=_aad(client_id, endpoint_id))
    return plain.decode()
