"""The one redaction set, for what we write down: log lines and diagnostics. Never applied to
a response (it goes back to the caller who sent the request; redacting it once turned "or as
HTTP Basic authentication" into "[REDACTED]").

Three nets: field names that always hold secrets (their values are replaced whatever they look
like); value patterns for our own token formats, bearer/basic credentials, webhook secrets and
``secret=value`` pairs (caught wherever they appear, e.g. inside a message string); and URLs,
which lose their user info, query string and fragment (webhook receivers put API keys there:
``https://hooks.example/in?api_key=...``), as do request targets (``GET /v1/x?secret=...``).
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
        "totp_code",
        "totp_secret",
        "csrf_token",
        "x-csrf-token",
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
    # A credential is long; "Basic authentication" in a sentence is not one.
    re.compile(r"(?i)\b(bearer|basic)\s+[0-9A-Za-z._~+/=-]{16,}"),
    # Whole words only: "status_code=200" in a SQL log line is not a code.
    re.compile(
        r"(?i)\b(client_secret|secret|password|access_token|refresh_token|api_key|token|code)"
        r"=[^&\s\"']+"
    ),
)
# A secret as a quoted key and value in a dict's repr or in JSON, as libraries log them
# (Authlib: "Issue token {'access_token': '...', 'refresh_token': '...'} to <Client>").
_QUOTED_PAIR = re.compile(
    r"(?i)(['\"](?:client_secret|secret|password|access_token|refresh_token|id_token|api_key"
    r"|token|code|code_verifier)['\"]\s*:\s*)(['\"])(?:(?!\2).)*\2"
)
# scheme://[userinfo@]host[/path][?query][#fragment], up to whitespace or a quote.
_URL = re.compile(
    r"(?i)\b([a-z][a-z0-9+.-]*://)(?:[^/\s\"'<>@]*@)?([^\s\"'<>?#]*)([?#][^\s\"'<>]*)?"
)
# A request target with a query, as in an access log line: "GET /v1/users?x=1 HTTP/1.1".
_TARGET_QUERY = re.compile(r"(?<![\w:/])(/[^\s\"'<>?#]*)\?[^\s\"'<>]*")


def _scrub_url(match: re.Match[str]) -> str:
    scheme, rest, tail = match.group(1), match.group(2), match.group(3)
    return f"{scheme}{rest}{'?' + REDACTED if tail else ''}"


def redact_text(text: str) -> str:
    text = _QUOTED_PAIR.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}{m.group(2)}", text)
    text = _URL.sub(_scrub_url, text)
    text = _TARGET_QUERY.sub(lambda m: f"{m.group(1)}?{REDACTED}", text)
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
