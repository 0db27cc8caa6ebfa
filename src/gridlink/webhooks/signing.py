"""Standard Webhooks 1.0 signatures (https://www.standardwebhooks.com/).

A secret is ``whsec_`` + base64 of 32 random bytes; the HMAC key is those bytes. A signature is
``v1,`` + base64(HMAC-SHA256(key, "{webhook-id}.{webhook-timestamp}.{body}")). The
``webhook-signature`` header lists one signature per active secret, space-separated, so a
receiver holding either the old or the new secret verifies during a rotation.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Mapping, Sequence

SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret
SECRET_BYTES = 32
TOLERANCE_SECONDS = 300


class InvalidSignature(Exception):
    """The webhook does not verify; the message says which check failed."""


def generate_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def secret_key(secret: str) -> bytes:
    encoded = secret.removeprefix(SECRET_PREFIX)
    try:
        key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidSignature("the secret is not whsec_ followed by base64") from exc
    if not key:
        raise InvalidSignature("the secret is empty")
    return key


def _mac(key: bytes, msg_id: str, timestamp: int, body: bytes) -> bytes:
    signed = f"{msg_id}.{timestamp}.".encode() + body
    return hmac.new(key, signed, hashlib.sha256).digest()


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    return "v1," + base64.b64encode(_mac(secret_key(secret), msg_id, timestamp, body)).decode()


def signature_header(secrets_: Sequence[str], msg_id: str, timestamp: int, body: bytes) -> str:
    return " ".join(sign(secret, msg_id, timestamp, body) for secret in secrets_)


def webhook_headers(
    secrets_: Sequence[str], msg_id: str, timestamp: int, body: bytes
) -> dict[str, str]:
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature_header(secrets_, msg_id, timestamp, body),
    }


def _header(headers: Mapping[str, str], name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name:
            return value.strip()
    raise InvalidSignature(f"the {name} header is missing")


def verify(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    now: float,
    tolerance: int = TOLERANCE_SECONDS,
) -> None:
    """Raise InvalidSignature unless one ``v1`` signature matches and the timestamp is within
    ``tolerance`` seconds of ``now`` (replay protection)."""
    msg_id = _header(headers, "webhook-id")
    raw_timestamp = _header(headers, "webhook-timestamp")
    signatures = _header(headers, "webhook-signature")
    # ASCII digits only (str.isdigit() accepts '²', which int() refuses), and few enough that
    # int() never meets its digit limit.
    if not (raw_timestamp.isascii() and raw_timestamp.isdigit() and len(raw_timestamp) <= 20):
        raise InvalidSignature("webhook-timestamp is not whole seconds since 1970")
    timestamp = int(raw_timestamp)
    if timestamp < now - tolerance:
        raise InvalidSignature(f"webhook-timestamp is more than {tolerance} s old")
    if timestamp > now + tolerance:
        raise InvalidSignature(f"webhook-timestamp is more than {tolerance} s in the future")
    try:
        expected = _mac(secret_key(secret), msg_id, timestamp, body)
    except UnicodeEncodeError as exc:  # a lone surrogate (e.g. from a command line)
        raise InvalidSignature("webhook-id is not valid text") from exc
    for candidate in signatures.split():
        version, _, encoded = candidate.partition(",")
        if version != "v1":
            continue
        try:
            given = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            continue
        if hmac.compare_digest(expected, given):
            return
    raise InvalidSignature("no v1 signature matches this secret, id, timestamp and body")
