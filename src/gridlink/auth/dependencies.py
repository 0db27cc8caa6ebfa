"""FastAPI dependencies that authenticate the caller of a ``/v1`` endpoint."""

from __future__ import annotations

import base64
from typing import Annotated
from urllib.parse import unquote

from fastapi import Depends, Request, Security
from fastapi.openapi.models import HTTPBase, HTTPBearer
from fastapi.security.base import SecurityBase
from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.auth.service import (
    AuthenticatedClient,
    authenticate_bearer,
    authenticate_secret,
)
from gridlink.config import Settings
from gridlink.errors import Unauthorized
from gridlink.kit.clock import Clock
from gridlink.kit.unit_of_work import db_session
from gridlink.kit.vault import Vault

MISSING_CREDENTIALS = (
    "Authenticate with HTTP Basic (client id as user name, client secret as password) or with "
    "'Authorization: Bearer <access_token>' from POST /v1/auth/token."
)


class _DocumentedScheme(SecurityBase):
    """Declares an auth scheme in the OpenAPI document; the checking is done below."""

    def __init__(self, model: HTTPBase, name: str) -> None:
        self.model = model
        self.scheme_name = name

    async def __call__(self, request: Request) -> None:
        return None


bearer_scheme = _DocumentedScheme(
    HTTPBearer(description="Access token from POST /v1/auth/token"), "bearerAuth"
)
basic_scheme = _DocumentedScheme(
    HTTPBase(scheme="basic", description="Client id and client secret"), "basicAuth"
)
# The widget API's (/connect/api): checked by connect/widget_routes.py.
connect_session_scheme = _DocumentedScheme(
    HTTPBearer(description="Session token from POST /connect/api/sessions"), "connectSession"
)


async def get_clock(request: Request) -> Clock:
    # async on purpose: FastAPI runs a plain `def` dependency in a worker thread, which would
    # cost every /v1 request a thread hop (and, under load, a wait for the GIL).
    clock: Clock = request.app.state.clock
    return clock


def get_vault(request: Request) -> Vault:
    vault: Vault = request.app.state.vault
    return vault


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def parse_basic(value: str) -> tuple[str, str]:
    """``Basic base64(id:secret)`` → (id, secret). A value that does not decode gives
    ("", ""), which names no client: it is then looked up like any other wrong pair, so a
    malformed header is refused after the same work as a wrong secret (control 36)."""
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode()
    except (ValueError, UnicodeDecodeError):  # binascii.Error, or not UTF-8 at all
        return "", ""
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        return "", ""
    # RFC 6749 §2.3.1: the parts are form-urlencoded before being joined.
    return unquote(client_id), unquote(secret)


async def authenticate_header(
    session: AsyncSession, clock: Clock, header: str | None
) -> AuthenticatedClient:
    """The client an ``Authorization`` header (Bearer or Basic) names, or Unauthorized."""
    if not header:
        raise Unauthorized(MISSING_CREDENTIALS)
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer":
        return await authenticate_bearer(session, clock, value.strip())
    if scheme.lower() == "basic":
        client_id, secret = parse_basic(value)
        return await authenticate_secret(session, clock, client_id, secret)
    raise Unauthorized(MISSING_CREDENTIALS)


async def current_client(
    request: Request,
    session: Annotated[AsyncSession, Depends(db_session)],
    clock: Annotated[Clock, Depends(get_clock)],
    _bearer: Annotated[None, Security(bearer_scheme)] = None,
    _basic: Annotated[None, Security(basic_scheme)] = None,
) -> AuthenticatedClient:
    client = await authenticate_header(session, clock, request.headers.get("authorization"))
    request.state.client = client
    return client


CurrentClient = Annotated[AuthenticatedClient, Depends(current_client)]
Session = Annotated[AsyncSession, Depends(db_session)]
AppClock = Annotated[Clock, Depends(get_clock)]
AppVault = Annotated[Vault, Depends(get_vault)]
AppSettings = Annotated[Settings, Depends(get_settings)]
