"""``/manage``: the utility's own portal, as far as tests and the sandbox need it.

The retail customer revokes an authorization here (its tokens stop working at once), and
the utility sends a notification now rather than on its schedule. Unauthenticated on
purpose: this custodian is a test double, served only on loopback or inside the sandbox.
A form on the page posts with ``from_page`` and is sent back to the page (303); a script
gets JSON.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from gridlink.greenbutton.custodian import pages
from gridlink.greenbutton.custodian.context import Context
from gridlink.greenbutton.custodian.notify import Delivery
from gridlink.greenbutton.custodian.oauth import read_form

Notify = Callable[[str], Awaitable[Delivery]]


async def _from_page(request: Request) -> bool:
    return (await read_form(request)).get("from_page") == ["1"]


def routes(ctx: Context, notify: Notify) -> list[Route]:
    prefix = ctx.uris.path_prefix

    def back(notice: str) -> Response:
        return RedirectResponse(f"{prefix}/manage?notice={quote(notice)}", status_code=303)

    async def page(request: Request) -> Response:
        html = pages.manage_page(
            prefix=prefix,
            registrations=ctx.store.registrations(),
            authorizations=ctx.store.authorizations(),
            customers={c.id: c for c in ctx.feeds.customers()},
            notice=request.query_params.get("notice"),
        )
        return HTMLResponse(html, headers=pages.security_headers())

    async def revoke(request: Request) -> Response:
        aid = request.path_params["aid"]
        try:
            item = ctx.store.revoke_authorization(aid)
        except KeyError:
            return JSONResponse({"error": "not_found"}, status_code=404)
        if await _from_page(request):
            return back("Authorization revoked: its tokens no longer work.")
        return JSONResponse({"id": item.id, "status": item.status.value})

    async def send(request: Request) -> Response:
        client_id = request.query_params.get("client_id", "")
        if ctx.store.registration(client_id) is None:
            return JSONResponse({"error": "unknown client_id"}, status_code=404)
        delivery = await notify(client_id)
        if await _from_page(request):
            outcome = (
                f"Notification answered {delivery.status_code}."
                if delivery.status_code is not None
                else f"Notification not delivered: {delivery.error}."
            )
            return back(outcome)
        return JSONResponse(
            {
                "notify_uri": delivery.notify_uri,
                "resources": list(delivery.resources),
                "status_code": delivery.status_code,
                "error": delivery.error,
            }
        )

    return [
        Route("/manage", page, methods=["GET"]),
        Route("/manage/authorizations/{aid}/revoke", revoke, methods=["POST"]),
        Route("/manage/notify", send, methods=["POST"]),
    ]
