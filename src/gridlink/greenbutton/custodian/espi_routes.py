"""The ESPI resource server: ``/espi/1_1/resource/...`` behind Bearer tokens.

Who may read what: a customer authorization's access token reads its own subscription's
Batch feed and its own Authorization; a client access token (client_credentials) reads the
client's Authorizations. Anything else is 403; a missing, unknown, expired or revoked token
(or one whose authorization the customer revoked) is 401 ``invalid_token`` (RFC 6750).
"""

from __future__ import annotations

from datetime import UTC, datetime

from lxml import etree
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gridlink.greenbutton.custodian import espi_writer as w
from gridlink.greenbutton.custodian.context import Context
from gridlink.greenbutton.custodian.feeds import in_window
from gridlink.greenbutton.custodian.state import Authorization, Token

ATOM_XML = "application/atom+xml"
_REALM = 'Bearer realm="Green Button Data Custodian"'


class Refused(Exception):
    def __init__(self, response: Response) -> None:
        self.response = response


def _unauthorized(presented: bool) -> Refused:
    header = f'{_REALM}, error="invalid_token"' if presented else _REALM
    body = {"error": "invalid_token"} if presented else {"error": "unauthorized"}
    return Refused(JSONResponse(body, status_code=401, headers={"WWW-Authenticate": header}))


def _forbidden() -> Refused:
    header = f'{_REALM}, error="insufficient_scope"'
    return Refused(
        JSONResponse(
            {"error": "insufficient_scope", "error_description": "not this token's resource"},
            status_code=403,
            headers={"WWW-Authenticate": header},
        )
    )


def _bearer(ctx: Context, request: Request) -> tuple[Token, Authorization | None]:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise _unauthorized(presented=bool(scheme))
    found = ctx.store.usable_access(value.strip())
    if found is None:
        raise _unauthorized(presented=True)
    return found


def _instant(request: Request, name: str) -> datetime | None:
    raw = request.query_params.get(name)
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError:
        raise Refused(
            JSONResponse(
                {"error": "invalid_request", "error_description": f"{name} is not ISO 8601"},
                status_code=400,
            )
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _atom(body: bytes) -> Response:
    return Response(body, media_type=ATOM_XML)


def _authorization_entry(ctx: Context, item: Authorization) -> etree._Element:
    uris = ctx.uris
    return w.entry(
        name=f"Authorization/{item.id}",
        title="Authorization",
        links=w.Links(uris.authorization(item.id), up=uris.authorizations),
        published=item.created,
        updated=item.revoked_at or item.created,
        content=w.authorization(
            start=item.created,
            status=1 if item.active else 0,
            scope=item.scope,
            resource_uri=uris.subscription_batch(item.subscription_id),
            authorization_uri=uris.authorization(item.id),
            expires_at=None,
        ),
    )


def routes(ctx: Context) -> list[Route]:
    async def subscription(request: Request) -> Response:
        try:
            _token, authorization = _bearer(ctx, request)
            sid = request.path_params["sid"]
            if authorization is None or authorization.subscription_id != sid:
                raise _forbidden()
            low, high = _instant(request, "published-min"), _instant(request, "published-max")
        except Refused as refused:
            return refused.response
        now = ctx.now()

        def build() -> bytes:
            entries = ctx.feeds.entries(
                authorization.customer_id, uris=ctx.uris, subscription_id=sid, now=now
            )
            return w.feed(
                name=f"Subscription/{sid}",
                title="Green Button Subscription Feed",
                self_href=ctx.uris.subscription_batch(sid)
                + (f"?{request.url.query}" if request.url.query else ""),
                updated=now,
                entries=(item.entry for item in in_window(entries, low, high)),
            )

        return _atom(await run_in_threadpool(build))

    async def one_authorization(request: Request) -> Response:
        try:
            token, own = _bearer(ctx, request)
            item = ctx.store.authorization(request.path_params["aid"])
            if item is None:
                return JSONResponse({"error": "not_found"}, status_code=404)
            mine = own.id == item.id if own else token.client_id == item.client_id
            if not mine:
                raise _forbidden()
        except Refused as refused:
            return refused.response
        return _atom(w.single(_authorization_entry(ctx, item)))

    async def all_authorizations(request: Request) -> Response:
        try:
            token, own = _bearer(ctx, request)
            if own is not None:
                raise _forbidden()  # a customer's token sees its own Authorization only
        except Refused as refused:
            return refused.response
        items = ctx.store.authorizations(token.client_id)
        return _atom(
            w.feed(
                name=f"Authorization/{token.client_id}",
                title="Authorizations",
                self_href=ctx.uris.authorizations,
                updated=ctx.now(),
                entries=(_authorization_entry(ctx, item) for item in items),
            )
        )

    async def service_status(request: Request) -> Response:
        try:
            _bearer(ctx, request)
        except Refused as refused:
            return refused.response
        return _atom(w.service_status(1))

    base = "/espi/1_1/resource"
    return [
        Route(f"{base}/Batch/Subscription/{{sid}}", subscription, methods=["GET"]),
        Route(f"{base}/Authorization/{{aid}}", one_authorization, methods=["GET"]),
        Route(f"{base}/Authorization", all_authorizations, methods=["GET"]),
        Route(f"{base}/ReadServiceStatus", service_status, methods=["GET"]),
    ]
