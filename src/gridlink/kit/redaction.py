"""The one redaction set. Every log line, error body and diagnostic passes through here.

Two nets: field names that always hold secrets (their values are replaced whatever they look
like), and value patterns for our own token formats, bearer/basic headers and webhook secrets
(caught wherever they appear, e.g. inside a message string).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from gridlink.kit.tokens import TOKEN_PATTERN

REDACTED = "[REDACTED]"

SECRET_FIELDS = frozenset(
    {
        "password",
        "passwd",
        "secret",
        "client_secret",
        "access_token",
        "refresh_token",
        "connect_token",
        "token",
        "authorization",
        "authorization_code",
        "code",
        "mfa_code",
        "otp",
        "session_token",
        "login_data",
        "cookie",
        "set-cookie",
        "signing_secret",
        "master_keys",
        "opening_keys",
        "api_keys",
        "plaintext",
        "data_key",
        "idempotency_key",
    }
)

_VALUE_PATTERNS = (
    TOKEN_PATTERN,
    re.compile(r"\bwhsec_[0-9A-Za-z+/=]{16,}"),
    re.compile(r"(?i)\b(bearer|basic)\s+[0-9A-Za-z._~+/=-]{8,}"),
    re.compile(r"(?i)(client_secret|password|access_token|code)=[^&\s\"']+"),
)


def redact_text(text: str) -> str:
    for pattern in _VALUE_PATTERNS:
        text = pattern.sub(REDACTED, text)
    return text


def is_secret_field(name: str) -> bool:
    lowered = name.lower()
    return lowered in SECRET_FIELDS or lowered.endswith(("_secret", "_password", "_token"))


def redact(value: Any) -> Any:
    """Return a copy of ``value`` with secret fields and secret-looking strings replaced."""
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        return {
            key: REDACTED if isinstance(key, str) and is_secret_field(key) else redact(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [redact(item) for item in value]
    return value
