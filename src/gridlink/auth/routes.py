from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import parse_qsl

import orjson
from fastapi import APIRouter, Depends, Request
from pydantic import ValidationError

from gridlink.auth.dependencies import (
    AppClock,
    CurrentClient,
    Session,
    current_client,
    parse_basic,
)
from gridlink.auth.schemas import ExchangeRequest, ExchangeResponse, TokenRequest, TokenResponse
from gridlink.auth.service import (
    AuthenticatedClient,
    authenticate_secret,
    exchange_authorization_code,
    issue_access_token,
)
from gridlink.errors import InvalidRequest, Unauthorized
from gridlink.idempotency.dependencies import idempotent_for
from gridlink.kit.openapi import error_responses

router = APIRouter(tags=["Authentication"])


async def _token_request(request: Request) -> TokenRequest:
    body = await request.body()
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    data: Any
    if content_type == "application/json":
        try:
            data = orjson.loads(body or b"{}")
        except orjson.JSONDecodeError as exc:
            raise InvalidRequest("The body is not valid JSON; send a JSON object.") from exc
    elif content_type in ("application/x-www-form-urlencoded", ""):
        data = dict(parse_qsl(body.decode("latin-1"), keep_blank_values=True))
    else:
        raise InvalidRequest(
            "Send the token request as application/x-www-form-urlencoded or application/json."
        )
    if not isinstance(data, dict):
        raise InvalidRequest("The body must be an object with grant_type=client_credentials.")
    try:
        return TokenRequest.model_validate(data)
    except ValidationError as exc:
        fields = sorted({".".join(str(p) for p in e["loc"]) for e in exc.errors()})
        raise InvalidRequest(
            "Send grant_type=client_credentials, with client_id and client_secret in the body "
            "or as HTTP Basic authentication.",
            fields=fields,
        ) from exc


async def token_client(request: Request, session: Session, clock: AppClock) -> AuthenticatedClient:
    form = await _token_request(request)
    header = request.headers.get("authorization", "")
    from_body = form.client_id is not None or form.client_secret is not None
    if header.lower().startswith("basic "):
        if from_body:
            raise InvalidRequest(
                "Authenticate one way only: HTTP Basic or client_id/client_secret in the body.",
                fields=["client_id", "client_secret"],
            )
        client_id, secret = parse_basic(header[6:])
    elif form.client_id and form.client_secret:
        client_id, secret = form.client_id, form.client_secret
    else:
        raise Unauthorized(
            "Send client_id and client_secret in the body, or use HTTP Basic authentication."
        )
    client = await authenticate_secret(session, clock, client_id, secret)
    request.state.client = client
    return client


@router.post(
    "/auth/token",
    summary="Get an access token (OAuth 2.0 client credentials)",
    response_model=TokenResponse,
    dependencies=[Depends(idempotent_for(token_client))],
    responses=error_responses(401, 409, 422),
    openapi_extra={
        # HTTP Basic, or (the empty requirement) client_id and client_secret in the body.
        "security": [{"basicAuth": []}, {}],
        "requestBody": {
            "required": True,
            "content": {
                "application/x-www-form-urlencoded": {"schema": TokenRequest.model_json_schema()},
                "application/json": {"schema": TokenRequest.model_json_schema()},
            },
        },
    },
)
async def create_token(
    client: Annotated[AuthenticatedClient, Depends(token_client)],
    session: Session,
    clock: AppClock,
) -> TokenResponse:
    """Trade the client id and secret for a bearer token valid for one hour.

    Every `/v1` endpoint accepts that token (`Authorization: Bearer ...`), or the client id and
    secret directly as HTTP Basic authentication.
    """
    token, expires_in = await issue_access_token(session, clock, client)
    return TokenResponse(access_token=token, expires_in=expires_in)


@router.post(
    "/auth/exchange",
    summary="Exchange an authorization code for the credential it confirms",
    response_model=ExchangeResponse,
    dependencies=[Depends(idempotent_for(current_client))],
    responses=error_responses(400, 401, 409, 422),
)
async def exchange(
    body: ExchangeRequest, client: CurrentClient, session: Session, clock: AppClock
) -> ExchangeResponse:
    """When the widget succeeds it hands your page the `utility_credential_id` and a single-use
    `authorization_code`. Send the code here from your backend to confirm that this credential
    came from a session of yours, for that end user. A code works once, for 10 minutes, for the
    client it was issued to; anything else (a second use, even concurrent; an expired, foreign
    or malformed code) is `400 invalid_grant`."""
    return await exchange_authorization_code(session, clock, client, body.authorization_code)
