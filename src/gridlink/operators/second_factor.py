"""Operator TOTP (RFC 6238, 30-second steps, 6 digits, SHA-1: what every authenticator app
takes from an otpauth:// URI).

The key is made by `gridlink operators totp enable`, shown once, and stored sealed with the
ring this API process can open itself (``app.state.response_keyring``: the master keys in one
process, the API keys in a split deployment), bound to the operator's id so a sealed key copied
to another operator's row does not open. A code is accepted for the current step and one step
either side (clock drift), and only for a step later than the last accepted one: the same code
is never accepted twice.
"""

from __future__ import annotations

import secrets
from datetime import datetime

import pyotp

from gridlink.kit.keyring import Ring

ISSUER = "Gridlink"
STEP_SECONDS = 30
DRIFT_STEPS = 1
_CONTEXT = b"operator-totp-secret"


def new_secret() -> str:
    return pyotp.random_base32(32)  # 160 bits, RFC 4226's recommended key length


def provisioning_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def seal(ring: Ring, operator_id: str, secret: str) -> bytes:
    return ring.seal(secret.encode(), context=_CONTEXT, aad=operator_id.encode())


def open_secret(ring: Ring, operator_id: str, sealed: bytes) -> str:
    return ring.open_sealed(sealed, context=_CONTEXT, aad=operator_id.encode()).decode()


def matching_step(secret: str, code: str, now: datetime, last_step: int | None) -> int | None:
    """The time step ``code`` is valid for (within the drift), if it is later than
    ``last_step``; else None. Every candidate step is compared, in constant time each."""
    code = code.strip().replace(" ", "")
    if not (code.isascii() and code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = int(now.timestamp()) // STEP_SECONDS
    found = None
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        expected = totp.generate_otp(step)
        if secrets.compare_digest(expected, code) and (last_step is None or step > last_step):
            found = step
    return found
