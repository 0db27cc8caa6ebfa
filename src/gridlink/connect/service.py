"""Connect tokens: what a client's backend asks for before opening the widget."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.auth.service import AuthenticatedClient
from gridlink.connect.repository import ConnectTokenRepository
from gridlink.connect.schemas import DEFAULT_PRODUCTS, ConnectTokenRequest, ConnectTokenResponse
from gridlink.credentials.repository import CredentialRepository
from gridlink.errors import InvalidRequest, NotFound
from gridlink.kit import tokens
from gridlink.kit.clock import Clock
from gridlink.kit.ids import new_id
from gridlink.models import ConnectToken
from gridlink.users.repository import UserRepository
from gridlink.utilities.catalog import find_visible

CREATE_MODE_TTL = timedelta(hours=4)
UPDATE_MODE_TTL = timedelta(minutes=30)

CREDENTIAL_NOT_FOUND = (
    "No utility credential with this utility_credential_id. Check the id you stored from "
    "onSuccess or the utility_credential_verified webhook."
)


async def create_connect_token(
    session: AsyncSession,
    clock: Clock,
    client: AuthenticatedClient,
    body: ConnectTokenRequest,
    *,
    operator_id: str | None = None,
) -> ConnectTokenResponse:
    """``operator_id``: made in the dashboard by this operator (Connect may then open from the
    dashboard's origin as well as the client's)."""
    now = clock.now()
    if (body.client_user_id is None) == (body.utility_credential_id is None):
        raise InvalidRequest(
            "Pass exactly one of client_user_id (link a new utility account for that end user) "
            "or utility_credential_id (repair an existing credential).",
            fields=["client_user_id", "utility_credential_id"],
        )
    if body.redirect_uri is not None and body.redirect_uri not in client.redirect_uris:
        raise InvalidRequest(
            "redirect_uri must exactly match one registered for this client (register it with "
            f"`gridlink clients update {client.id} --add-redirect-uri`).",
            fields=["redirect_uri"],
        )
    if (
        body.utility_id is not None
        and await find_visible(session, body.utility_id, client.environment) is None
    ):
        raise InvalidRequest(
            f"No utility {body.utility_id!r} is available to this {client.environment} client; "
            "list them with GET /v1/utilities.",
            fields=["utility_id"],
        )
    credentials = CredentialRepository(session)
    utility_id = body.utility_id
    credential_id: str | None = None
    if body.utility_credential_id is not None:
        credential = await credentials.get_for_client(client.id, body.utility_credential_id)
        if credential is None:
            raise NotFound(CREDENTIAL_NOT_FOUND)
        if utility_id is not None and utility_id != credential.utility_id:
            raise InvalidRequest(
                "utility_id differs from the credential's utility; omit it in update mode.",
                fields=["utility_id"],
            )
        credential_id, user_id, utility_id = (
            credential.id,
            credential.user_id,
            credential.utility_id,
        )
    else:
        assert body.client_user_id is not None
        user_id = await UserRepository(session).ensure_id(client.id, body.client_user_id, now)
        if utility_id is not None:
            # A user who already has a credential at this utility is repairing it, not adding a
            # second one: land them in update mode (as integrators of Pelm expect).
            existing = await credentials.latest_for_user_at_utility(user_id, utility_id)
            credential_id = existing.id if existing is not None else None

    mode = "update" if credential_id is not None else "create"
    expires_at = now + (UPDATE_MODE_TTL if mode == "update" else CREATE_MODE_TTL)
    value = tokens.generate(tokens.TokenKind.CONNECT_TOKEN, client.environment)
    await ConnectTokenRepository(session).add(
        ConnectToken(
            id=new_id("ctk"),
            client_id=client.id,
            user_id=user_id,
            utility_credential_id=credential_id,
            token_hash=tokens.digest(value),
            mode=mode,
            utility_id=utility_id,
            products=list(body.products or DEFAULT_PRODUCTS),
            language=body.language,
            redirect_uri=body.redirect_uri,
            created_at=now,
            expires_at=expires_at,
            operator_id=operator_id,
        )
    )
    return ConnectTokenResponse(connect_token=value, mode=mode, expires_at=expires_at)
