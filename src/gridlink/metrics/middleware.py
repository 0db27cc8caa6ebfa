"""Request count and latency by route template, method and status class.

Two pieces, because some of our middleware hand a *copy* of the scope inward (compression,
the Connect headers), so the outermost one never sees what the router wrote into the scope:
- ``RequestMetricsMiddleware``, outermost: times what the caller waits for, edge refusals
  included, until the last body chunk is sent (a long-poll's wait and a streamed export count);
- ``RouteRecorder``, innermost: after the router ran, notes the matched route's *template*
  (``/v1/users/{client_user_id}``, see ``route_template``) in a holder both share through
  the scope.
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
    """The template of the route that served ``scope``, or ``unmatched``; ``root``: the root
    path before routing.

    FastAPI hands an included router's route over as it was declared, without the prefixes of
    the routers that include it (``/users/{client_user_id}`` under ``/v1``). The prefixes are
    the part of the path before the route's own match: the shortest such part, so a catch-all
    route (``{path:path}``) never lets request paths into the template."""
    route = scope.get("route")
    template = getattr(route, "path_format", None)
    regex = getattr(route, "path_regex", None)
    if not isinstance(template, str) or regex is None:
        return UNMATCHED
    mounted = str(scope.get("root_path", ""))[len(root) :]
    if isinstance(route, Mount):  # served by the mounted app itself (static files)
        return f"{mounted}/{{path}}"  # root_path already ends with the mount's path
    path = str(scope.get("path", ""))[len(root) + len(mounted) :]
    for cut in (i for i, char in enumerate(path) if char == "/"):
        if regex.match(path[cut:]):
            return f"{mounted}{path[:cut]}{template}"
    return f"{mounted}{template}"
