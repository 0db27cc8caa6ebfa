from __future__ import annotations

import re
from datetime import datetime
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel

Environment = Literal["sandbox", "live"]
_LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")  # as urlsplit's .hostname gives them


def _is_local(host: str) -> bool:
    return host in _LOCAL_HOSTS or host.endswith(".localhost")


def check_origin(origin: str, environment: str) -> str:
    """An origin is ``scheme://host[:port]`` exactly: no path, query, fragment or user info.

    Returns the origin unchanged (matching is exact, so we never "fix" what was registered), or
    raises ValueError saying what is wrong. Live clients need https, except for localhost.
    """
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{origin!r} is not an origin like https://app.example")
    if parts.path or parts.query or parts.fragment or "@" in parts.netloc:
        raise ValueError(f"{origin!r} must be scheme://host[:port] with nothing after it")
    if origin != origin.lower():
        raise ValueError(f"{origin!r} must be lower-case (origins are compared exactly)")
    if environment == "live" and parts.scheme != "https" and not _is_local(parts.hostname):
        raise ValueError(f"{origin!r}: live clients must use https origins")
    return origin


def check_redirect_uri(uri: str, environment: str) -> str:
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{uri!r} is not an absolute http(s) URL")
    if parts.fragment or "@" in parts.netloc:
        raise ValueError(f"{uri!r} must not contain a fragment or user info")
    if environment == "live" and parts.scheme != "https" and not _is_local(parts.hostname):
        raise ValueError(f"{uri!r}: live clients must use https redirect URIs")
    return uri


def check_logo_url(url: str, environment: str) -> str:
    """The logo is loaded by the end user's browser inside Connect: https (http on localhost)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or "@" in parts.netloc:
        raise ValueError(f"{url!r} is not an absolute http(s) image URL")
    if parts.scheme != "https" and not _is_local(parts.hostname):
        raise ValueError(f"{url!r}: the logo must be served over https (localhost excepted)")
    if len(url) > 2000:
        raise ValueError("the logo URL must be at most 2000 characters")
    return url


def check_accent_color(color: str) -> str:
    """``#rrggbb``, stored lower-case; Connect derives its hover and text colours from it."""
    if re.fullmatch(r"#[0-9a-fA-F]{6}", color) is None:
        raise ValueError(f"{color!r} is not a colour like #1a73e8")
    return color.lower()


class ClientCreated(BaseModel):
    client_id: str
    client_secret: str


class ClientSummary(BaseModel):
    client_id: str
    name: str
    environment: Environment
    allowed_origins: list[str]
    redirect_uris: list[str]
    logo_url: str | None = None
    accent_color: str | None = None
    # The order Connect offers a utility's connection methods in; null: Gridlink's.
    connection_methods: list[str] | None = None
    active_secrets: int
    created_at: datetime


class SecretRotated(BaseModel):
    client_id: str
    client_secret: str
    previous_secrets_expire_at: datetime
