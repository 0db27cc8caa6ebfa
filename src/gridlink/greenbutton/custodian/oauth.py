"""The custodian's OAuth 2.0 authorization server: Authlib's server side, run by Starlette.

Authlib has no Starlette integration, so :class:`CustodianServer` supplies the four hooks a
framework integration owns (``create_oauth2_request``, ``create_json_request``,
``handle_response``, ``send_signal``), shaped like ``authlib.integrations.flask_oauth2``.
Authlib's grants are synchronous and Starlette reads bodies asynchronously, so the routes
read the request first (:func:`read_incoming`) and hand the server an :class:`Incoming`.

What is ESPI rather than plain RFC 6749: the code and refresh grants answer with
``resourceURI`` (the Batch/Subscription feed) and ``authorizationURI``; the authorization is
created when its code is exchanged; a revoked authorization's refresh token is
``invalid_grant``; PKCE accepts only S256 and, with ``require_pkce``, refuses a request
without it (Authlib alone requires PKCE only of public clients).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from authlib.common.security import generate_token  # type: ignore[import-untyped]
from authlib.oauth2.rfc6749 import (  # type: ignore[import-untyped]
    AuthorizationServer,
    ClientMixin,
    InvalidRequestError,
    InvalidScopeError,
    JsonPayload,
    JsonRequest,
    OAuth2Payload,
    OAuth2Request,
)
from authlib.oauth2.rfc6749.grants import (  # type: ignore[import-untyped]
    AuthorizationCodeGrant,
    ClientCredentialsGrant,
    RefreshTokenGrant,
)
from authlib.oauth2.rfc6750 import BearerTokenGenerator  # type: ignore[import-untyped]
from authlib.oauth2.rfc7009 import RevocationEndpoint  # type: ignore[import-untyped]
from authlib.oauth2.rfc7636 import CodeChallenge  # type: ignore[import-untyped]
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from gridlink.greenbutton.custodian.state import (
    CODE_LIFETIME,
    Code,
    Registration,
    Store,
    Token,
    digest,
)
from gridlink.greenbutton.custodian.uris import Uris

CLIENT_AUTH = ["client_secret_basic", "client_secret_post"]
GRANT_TYPES = frozenset({"authorization_code", "refresh_token", "client_credentials"})
# The scopes ESPI gives client access tokens (Bulk; ApplicationInformation and Authorization
# listing), never a customer's authorization.
CLIENT_SCOPES = frozenset({"FB=34_35", "FB=36_40", "FB=3_4_35_36_40"})


def same_scope(a: str, b: str) -> bool:
    """ESPI scopes compared as written, ignoring surrounding space and a trailing ``;``."""
    return a.strip().rstrip(";") == b.strip().rstrip(";")


# Requests --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Incoming:
    """An HTTP request already read: Authlib's grants cannot await a body.

    ``params`` are the OAuth parameters (the query string at the authorization endpoint,
    the form body at the token and revocation endpoints)."""

    method: str
    uri: str
    headers: Mapping[str, str]
    params: dict[str, list[str]]
    query: dict[str, list[str]]
    form: dict[str, list[str]]


MAX_FORM_BYTES = 64 * 1024


def _multi(items: list[tuple[str, str]]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = defaultdict(list)
    for key, value in items:
        found[key].append(value)
    return dict(found)


async def read_form(request: Request) -> dict[str, list[str]]:
    """An ``application/x-www-form-urlencoded`` body (what OAuth and HTML forms send),
    parsed here: Starlette's own form parser needs python-multipart, which we do not ship.
    Another content type, or a body over 64 KiB, reads as no form at all."""
    if request.method != "POST":
        return {}
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in ("application/x-www-form-urlencoded", ""):
        return {}
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        return {}
    return _multi(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))


async def read_incoming(request: Request, uris: Uris, *, params_from: str) -> Incoming:
    """``params_from`` is ``"query"`` or ``"form"``. The URI given to Authlib is the public
    one (base URL + path), which is what its transport check should judge."""
    form = await read_form(request)
    query = _multi(list(request.query_params.multi_items()))
    path = request.url.path
    prefix = uris.path_prefix
    relative = path[len(prefix) :] if prefix and path.startswith(prefix) else path
    return Incoming(
        method=request.method,
        uri=uris.at(relative) + (f"?{request.url.query}" if request.url.query else ""),
        headers=request.headers,
        params=query if params_from == "query" else form,
        query=query,
        form=form,
    )


def _first(values: dict[str, list[str]]) -> dict[str, str]:
    return {key: items[0] for key, items in values.items() if items}


class _Payload(OAuth2Payload):  # type: ignore[misc]
    def __init__(self, params: dict[str, list[str]]) -> None:
        self._params = params

    @property
    def data(self) -> dict[str, str]:
        return _first(self._params)

    @property
    def datalist(self) -> defaultdict[str, list[str]]:
        return defaultdict(list, self._params)


class StarletteOAuth2Request(OAuth2Request):  # type: ignore[misc]
    def __init__(self, incoming: Incoming) -> None:
        super().__init__(method=incoming.method, uri=incoming.uri, headers=incoming.headers)
        self.incoming = incoming
        self.payload = _Payload(incoming.params)

    @property
    def args(self) -> dict[str, str]:
        return _first(self.incoming.query)

    @property
    def form(self) -> dict[str, str]:
        return _first(self.incoming.form)


class _JsonPayload(JsonPayload):  # type: ignore[misc]
    def __init__(self, data: dict[str, str]) -> None:
        self._data = data

    @property
    def data(self) -> dict[str, str]:
        return self._data


# Clients ---------------------------------------------------------------------------------


class Client(ClientMixin):  # type: ignore[misc]
    """A :class:`Registration` as Authlib sees a client: confidential, secret required."""

    def __init__(self, registration: Registration) -> None:
        self.registration = registration
        self.client_id = registration.client_id

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str | None:
        uris = self.registration.redirect_uris
        return uris[0] if len(uris) == 1 else None

    def get_allowed_scope(self, scope: str | None) -> str | None:
        if not scope:
            return self.registration.scope
        if same_scope(scope, self.registration.scope):
            return self.registration.scope
        if any(same_scope(scope, allowed) for allowed in CLIENT_SCOPES):
            return scope.strip()
        return None

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.registration.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return self.registration.secret_matches(client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in CLIENT_AUTH

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in GRANT_TYPES


# Grants ----------------------------------------------------------------------------------


def _store(grant: Any) -> Store:
    server: CustodianServer = grant.server
    return server.store


class _CodeGrant(AuthorizationCodeGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH

    def validate_requested_scope(self) -> None:
        scope = self.request.payload.scope
        if scope and any(same_scope(scope, allowed) for allowed in CLIENT_SCOPES):
            raise InvalidScopeError("a client scope cannot be granted by a customer")
        super().validate_requested_scope()

    def save_authorization_code(self, code: str, request: StarletteOAuth2Request) -> None:
        store = _store(self)
        data = request.payload.data
        store.save_code(
            Code(
                digest=digest(code),
                client_id=request.client.client_id,
                redirect_uri=request.payload.redirect_uri,
                scope=request.scope,
                customer_id=str(request.user),
                expires_at=store.now() + CODE_LIFETIME,
                code_challenge=data.get("code_challenge"),
                code_challenge_method=data.get("code_challenge_method"),
            )
        )

    def query_authorization_code(self, code: str, client: Client) -> Code | None:
        return _store(self).take_code(code, client.client_id)

    def delete_authorization_code(self, authorization_code: Code) -> None:
        """Nothing left to do: :meth:`Store.take_code` removed it when it was read."""

    def authenticate_user(self, authorization_code: Code) -> str:
        return authorization_code.customer_id


class _RefreshGrant(RefreshTokenGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH
    INCLUDE_NEW_REFRESH_TOKEN = True  # rotate: each refresh token works once

    def authenticate_refresh_token(self, refresh_token: str) -> Token | None:
        store = _store(self)
        token = store.by_refresh(refresh_token)
        if token is None or token.refresh_revoked or token.authorization_id is None:
            return None
        authorization = store.authorization(token.authorization_id)
        if authorization is None or not authorization.active:
            return None  # the customer revoked at the utility: invalid_grant
        return token

    def authenticate_user(self, refresh_token: Token) -> str | None:
        authorization = _store(self).authorization(refresh_token.authorization_id or "")
        return authorization.customer_id if authorization else None

    def revoke_old_credential(self, refresh_token: Token) -> None:
        # The old access token lives out its hour: a request already in flight still works.
        _store(self).revoke_token(refresh_token, access=False, refresh=True)


class _ClientGrant(ClientCredentialsGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH


class _Pkce(CodeChallenge):  # type: ignore[misc]
    """RFC 7636 with S256 only; ``required`` refuses a confidential client without it too."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if self.required and not data.get("code_challenge"):
            raise InvalidRequestError(
                "This utility requires PKCE: send code_challenge with code_challenge_method=S256"
            )
        if data.get("code_challenge") and data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("code_challenge_method must be S256")
        super().validate_code_challenge(grant, redirect_uri)

    def validate_code_verifier(self, grant: Any, result: Any) -> None:
        if self.required and not grant.request.authorization_code.code_challenge:
            raise InvalidRequestError("This utility requires PKCE")
        super().validate_code_verifier(grant, result)


class _Revocation(RevocationEndpoint):  # type: ignore[misc]
    """RFC 7009: the third party gives a token back; its authorization ends with it."""

    CLIENT_AUTH_METHODS = CLIENT_AUTH

    def query_token(self, token_string: str, token_type_hint: str | None) -> Token | None:
        store: Store = self.server.store
        if token_type_hint == "refresh_token":  # noqa: S105 - a hint name, not a secret
            return store.by_refresh(token_string) or store.by_access(token_string)
        return store.by_access(token_string) or store.by_refresh(token_string)

    def revoke_token(self, token: Token, request: Any) -> None:
        store: Store = self.server.store
        store.revoke_token(token, access=True, refresh=True)
        if token.authorization_id is not None:
            store.revoke_authorization(token.authorization_id)


# The server ------------------------------------------------------------------------------


class CustodianServer(AuthorizationServer):  # type: ignore[misc]
    def __init__(
        self, store: Store, uris: Uris, *, access_token_seconds: int, require_pkce: bool
    ) -> None:
        super().__init__()
        self.store = store
        self.uris = uris
        self.register_token_generator(
            "default",
            BearerTokenGenerator(
                access_token_generator=lambda **_: generate_token(42),
                refresh_token_generator=lambda **_: generate_token(48),
                expires_generator=lambda client, grant_type: access_token_seconds,
            ),
        )
        self.register_grant(_CodeGrant, [_Pkce(required=require_pkce)])
        self.register_grant(_RefreshGrant)
        self.register_grant(_ClientGrant)
        self.register_endpoint(_Revocation)

    def query_client(self, client_id: str) -> Client | None:
        registration = self.store.registration(client_id)
        return Client(registration) if registration else None

    def save_token(self, token: dict[str, Any], request: StarletteOAuth2Request) -> None:
        """Store the token's digests, and add ESPI's URIs to the response it becomes."""
        store = self.store
        grant_type = request.payload.grant_type
        client_id = request.client.client_id
        authorization = None
        if grant_type == "authorization_code":
            code: Code = request.authorization_code
            authorization = store.create_authorization(client_id, code.customer_id, code.scope)
        elif grant_type == "refresh_token":
            old: Token = request.refresh_token
            authorization = store.authorization(old.authorization_id or "")
        refresh = token.get("refresh_token")
        store.save_token(
            Token(
                access_digest=digest(token["access_token"]),
                refresh_digest=digest(refresh) if refresh else None,
                client_id=client_id,
                authorization_id=authorization.id if authorization else None,
                scope=token.get("scope") or "",
                issued_at=store.now(),
                expires_in=int(token.get("expires_in") or 0),
            )
        )
        if authorization is not None:
            token["resourceURI"] = self.uris.subscription_batch(authorization.subscription_id)
            token["authorizationURI"] = self.uris.authorization(authorization.id)
        else:
            token["resourceURI"] = self.uris.authorizations

    def create_oauth2_request(self, request: Any) -> StarletteOAuth2Request:
        if isinstance(request, StarletteOAuth2Request):
            return request
        return StarletteOAuth2Request(request)

    def create_json_request(self, request: Any) -> JsonRequest:
        incoming: Incoming = request
        json_request = JsonRequest(incoming.method, incoming.uri, incoming.headers)
        json_request.payload = _JsonPayload(_first(incoming.params))
        return json_request

    def handle_response(self, status: int, body: Any, headers: Any) -> Response:
        header_map = dict(headers or [])
        if isinstance(body, dict):
            header_map.pop("Content-Type", None)
            return JSONResponse(body, status_code=status, headers=header_map)
        return Response(body or b"", status_code=status, headers=header_map)

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        """Nothing listens: the custodian has no signals to send."""
