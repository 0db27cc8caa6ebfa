"""Request count and latency by route template, method and status class.

Two pieces, because some of our middleware hand a *copy* of the scope inward (compression,
the Connect headers), so the outermost one never sees what the router wrote into the scope:
- ``RequestMetricsMiddleware``, outermost: times what the caller waits for, edge refusals
  included, until the last body chunk is sent (a long-poll's wait and a streamed export count);
- ``RouteRecorder``, innermost: after the router ran, notes the matched route's *template*
  (``/v1/users/{client_user_id}``) in a holder both share through the scope.
A request no route matched is ``unmatched``, so a scanner's random paths cannot grow the label
set; so is one refused at the edge before it reached the router.
"""

from __future__ import annotations

import time

from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gridlink.metrics.definitions import HTTP_REQUESTS

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"
HOLDER = "gridlink.route"  # scope key: a one-item list, shared by every copy of the scope


class RequestMetricsMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        holder = scope[HOLDER] = [UNMATCHED]
        status = 500  # what the caller sees if the app raises before answering

        async def timed_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, timed_send)
        finally:
            method = scope["method"] if scope["method"] in METHODS else "other"
            labels = HTTP_REQUESTS.labels(holder[0], method, f"{status // 100}xx")
            labels.observe(time.perf_counter() - started)


class RouteRecorder:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or HOLDER not in scope:
            await self.app(scope, receive, send)
            return
        root = str(scope.get("root_path", ""))
        try:
            await self.app(scope, receive, send)
        finally:
            scope[HOLDER][0] = route_template(scope, root)


def route_template(scope: Scope, root: str) -> str:
    """The template of the route that served ``scope`` (a mount's prefix before the inner
    route's template), or ``unmatched``; ``root``: the root path before routing."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if not isinstance(path, str):
        return UNMATCHED
    prefix = str(scope.get("root_path", ""))[len(root) :]
    if isinstance(route, Mount):  # served by the mounted app itself (static files)
        return f"{prefix}/{{path}}"  # the prefix already ends with the mount's path
    return f"{prefix}{path}"
