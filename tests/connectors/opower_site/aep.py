"""An AEP utility's sign-in (AEP Ohio here) as the library drives it: an ASP.NET form.

``/account/usage/`` serves the login form (generated ``UserID``/``Password`` field names,
``__VIEWSTATE``); posting it answers either an error block (``class="error"`` with a ``<p>``)
or the usage page, whose embedded opower script names the tenant's subdomain;
``/account/oauth/ValidToken`` then returns the Opower token, after ``not_ready`` answers
with an empty placeholder (AEP mints the token asynchronously).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from urllib.parse import parse_qs

from aiohttp import web

from tests.connectors.https_site import HttpsSite
from tests.connectors.opower_site.api import OpowerApi

USER_FIELD = "ctl00$ctl00$MainContent$MainContent$Login$UserID"
PASSWORD_FIELD = "ctl00$ctl00$MainContent$MainContent$Login$Password"
SUBMIT_FIELD = "ctl00$ctl00$MainContent$MainContent$Login$Submit"


@dataclass
class AepLogin:
    api: OpowerApi
    username: str
    password: str
    host: str = "www.aepohio.com"
    not_ready: int = 0  # ValidToken placeholders before the token
    _serial: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _sessions: dict[str, int] = field(default_factory=dict)  # .ASPXAUTH → ValidToken calls

    def install(self, site: HttpsSite) -> None:
        site.route("GET", self.host, "/account/usage/", self._form)
        site.route("POST", self.host, "/account/usage/", self._post)
        site.route("GET", self.host, "/account/oauth/ValidToken", self._valid_token)

    async def _form(self, request: web.Request) -> web.StreamResponse:
        page = (
            '<html><body><form method="post" action="/account/usage/">'
            '<input type="hidden" name="__VIEWSTATE" value="dDwtMTA4NzU2Mjk3Mjs7Pg=="/>'
            '<input type="hidden" name="__EVENTVALIDATION" value="ev-1"/>'
            f'<input type="text" name="{USER_FIELD}"/>'
            f'<input type="password" name="{PASSWORD_FIELD}"/>'
            f'<input type="submit" name="{SUBMIT_FIELD}" value="Log In"/>'
            "</form></body></html>"
        )
        return web.Response(text=page, content_type="text/html")

    async def _post(self, request: web.Request) -> web.StreamResponse:
        form = {k: v[0] for k, v in parse_qs((await request.read()).decode()).items()}
        if "__VIEWSTATE" not in form:
            return web.Response(status=400, text="Bad request")
        if form.get(USER_FIELD) != self.username or form.get(PASSWORD_FIELD) != self.password:
            page = (
                '<html><div class="error">\n<p>\n  Invalid User ID or Password.\n</p></div></html>'
            )
            return web.Response(text=page, content_type="text/html")
        session = f"aspx-{next(self._serial)}"
        self._sessions[session] = 0
        subdomain = self.api.profile.subdomain
        page = (
            "<html><body><div id='usage'></div>"
            f'<script src="https://{subdomain}.opower.com/ei/x/embedded-api/sdk.js"></script>'
            "</body></html>"
        )
        response = web.Response(text=page, content_type="text/html")
        response.set_cookie(".ASPXAUTH", session, secure=True, httponly=True)
        return response

    async def _valid_token(self, request: web.Request) -> web.StreamResponse:
        session = request.cookies.get(".ASPXAUTH", "")
        if session not in self._sessions:
            return web.json_response([{"data": None, "error": "Not signed in"}], status=401)
        self._sessions[session] += 1
        if self._sessions[session] <= self.not_ready:
            return web.json_response([{"data": {"AccessToken": ""}}])
        token = self.api.issue_token()
        return web.json_response([{"data": {"AccessToken": token, "ExpiresIn": 1200}}])
