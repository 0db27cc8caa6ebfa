"""``/oauth/authorize`` (the consent page), ``/oauth/token`` and ``/oauth/revoke``.

The consent page shows what a utility's page shows once the customer has signed in: who is
asking, for what, from which account. Nothing is decided on GET; the form posts back to the
same URL (the authorization request stays in its query string) with the anti-forgery token.
An unknown client or an unregistered redirect URI gets an error page, never a redirect: the
redirect URI is not trusted until it is known to be the client's (RFC 6749 §4.1.2.1).
"""

from __future__ import annotations

from authlib.oauth2 import OAuth2Error  # type: ignore[import-untyped]
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from gridlink.greenbutton.custodian import pages
from gridlink.greenbutton.custodian.antiforgery import COOKIE
from gridlink.greenbutton.custodian.context import Context
from gridlink.greenbutton.custodian.oauth import read_incoming


def _refusal(ctx: Context, error: OAuth2Error) -> Response:
    if error.redirect_uri:
        response: Response = ctx.server.handle_error_response(None, error)
        return response
    detail = error.description or error.error or "the request is not valid"
    return HTMLResponse(
        pages.error_page("This request cannot be completed", str(detail)),
        status_code=400,
        headers=pages.security_headers(),
    )


def routes(ctx: Context) -> list[Route]:
    async def authorize(request: Request) -> Response:
        incoming = await read_incoming(request, ctx.uris, params_from="query")
        try:
            grant = ctx.server.get_consent_grant(incoming)
        except OAuth2Error as error:
            return _refusal(ctx, error)
        bound_to = request.url.query
        customers = ctx.feeds.customers()
        if request.method == "GET":
            nonce, is_new = ctx.forgery.nonce(request.cookies)
            page = pages.consent_page(
                registration=grant.request.client.registration,
                customers=customers,
                scope=grant.request.scope,
                action=f"{ctx.uris.path_prefix}/oauth/authorize?{bound_to}",
                forgery_token=ctx.forgery.token(nonce, bound_to),
            )
            response = HTMLResponse(
                page, headers=pages.security_headers(form_targets=[grant.redirect_uri])
            )
            if is_new:
                response.set_cookie(
                    COOKIE,
                    nonce,
                    path=f"{ctx.uris.path_prefix}/oauth/authorize",
                    httponly=True,
                    samesite="strict",
                    secure=ctx.uris.secure,
                )
            return response
        form = {key: values[0] for key, values in incoming.form.items() if values}
        if not ctx.forgery.check(request.cookies.get(COOKIE), form.get("csrf"), bound_to):
            return HTMLResponse(
                pages.error_page(
                    "This form could not be checked",
                    "The page may have expired or come from somewhere else. "
                    "Go back, reload the page and choose again.",
                ),
                status_code=403,
                headers=pages.security_headers(),
            )
        customer_id = None
        if form.get("decision") == "allow":
            customer_id = form.get("customer")
            if customer_id not in {c.id for c in customers}:
                return HTMLResponse(
                    pages.error_page("Choose an account", "Pick the account to share."),
                    status_code=400,
                    headers=pages.security_headers(),
                )
        answer: Response = ctx.server.create_authorization_response(
            request=grant.request, grant_user=customer_id, grant=grant
        )
        return answer

    async def token(request: Request) -> Response:
        incoming = await read_incoming(request, ctx.uris, params_from="form")
        response: Response = ctx.server.create_token_response(incoming)
        return response

    async def revoke(request: Request) -> Response:
        incoming = await read_incoming(request, ctx.uris, params_from="form")
        response: Response = ctx.server.create_endpoint_response("revocation", incoming)
        return response

    return [
        Route("/oauth/authorize", authorize, methods=["GET", "POST"]),
        Route("/oauth/token", token, methods=["POST"]),
        Route("/oauth/revoke", revoke, methods=["POST"]),
    ]
