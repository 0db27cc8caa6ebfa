"""City of Austin Utilities' sign-in as the library drives it: ISAM at coautilities.com,
then SAML into opower's DSS portal (dss-coa.opower.com).

The password form sets ``PD-S-SESSION-ID-PCOAUT`` only for the right password.
``user-details`` without a token answers 401 with the SSO ``location`` (holding a
``${TargetResource}`` placeholder); opower redirects to ISAM's SAML endpoint, which (signed
in) answers an auto-post form with ``RelayState`` and ``SAMLResponse``; the assertion
consumer answers a form with ``OCIS_REQ_SP``, whose post (the ``dssPortalCW`` cookie set)
redirects to the portal with a one-time ``token``; ``ott/confirm`` swaps it for the session
token. ``user-details`` with it gives the ``webUserId``; ``customer-sync`` must be called.
"""

from __future__ import annotations

import itertools
import json
import uuid
from dataclasses import dataclass, field
from urllib.parse import parse_qs

from aiohttp import web

from tests.connectors.https_site import HttpsSite
from tests.connectors.opower_site.api import OpowerApi

ISAM = "coautilities.com"
DSS = "dss-coa.opower.com"
IDM = "/webcenter/edge/apis/identity-management-v1/cws/v1/auth/coa"


@dataclass
class CoaLogin:
    api: OpowerApi
    username: str
    password: str
    synced: list[str] = field(default_factory=list)  # session tokens that called customer-sync
    _serial: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _isam_sessions: set[str] = field(default_factory=set)
    _assertions: set[str] = field(default_factory=set)
    _ocis: set[str] = field(default_factory=set)
    _one_time: set[str] = field(default_factory=set)

    def install(self, site: HttpsSite) -> None:
        site.route("GET", ISAM, "/wps/wcm/connect/occ/coa/home", self._home)
        site.route("POST", ISAM, "/pkmslogin.form", self._password)
        site.route("GET", ISAM, "/isam/sps/OPowerIDP_DSS/saml20/login", self._saml)
        site.route("GET", DSS, f"{IDM}/user-details", self._user_details)
        site.route("GET", DSS, f"{IDM}/sso/login", self._sso_login)
        site.route("POST", DSS, f"{IDM}/sso/saml/acs", self._acs)
        site.route("POST", DSS, f"{IDM}/sso/ocis", self._ocis_post)
        site.route("GET", DSS, "/webcenter/portal/dss", self._portal)
        site.route("POST", DSS, f"{IDM}/sso/ott/confirm", self._confirm)
        site.route("PUT", DSS, "/webcenter/edge/apis/customer-sync-v1/cws/v1/coa/sync", self._sync)

    @property
    def web_user_id(self) -> str:
        return self.api.customers[0].uuid

    async def _home(self, request: web.Request) -> web.StreamResponse:
        response = web.Response(text="<html>Austin Energy</html>", content_type="text/html")
        response.set_cookie("PD_STATEFUL_coa", f"st-{next(self._serial)}", secure=True)
        return response

    async def _password(self, request: web.Request) -> web.StreamResponse:
        form = {k: v[0] for k, v in parse_qs((await request.read()).decode()).items()}
        response = web.Response(text="<html>Signed in</html>", content_type="text/html")
        if form.get("username") == self.username and form.get("password") == self.password:
            session = f"pd-{next(self._serial)}"
            self._isam_sessions.add(session)
            response.set_cookie("PD-S-SESSION-ID-PCOAUT", session, secure=True)
        else:
            response.text = "<html>Login failed: the user name or password is wrong</html>"
        return response

    async def _user_details(self, request: web.Request) -> web.StreamResponse:
        if self.api.authorized(request) is None:
            location = f"https://{DSS}{IDM}/sso/login?TargetResource=${{TargetResource}}"
            return web.json_response(
                {"error": {"code": "SSO_REDIRECT", "location": location}}, status=401
            )
        return web.json_response(
            {"webUserId": self.web_user_id, "userName": self.username, "accountId": None}
        )

    async def _sso_login(self, request: web.Request) -> web.StreamResponse:
        target = request.query.get("TargetResource", "")
        saml = "PHNhbWxwOkF1dGhuUmVxdWVzdCB4bWxucz0i+/w=="  # base64 with + / =
        raise web.HTTPFound(
            f"https://{ISAM}/isam/sps/OPowerIDP_DSS/saml20/login?SAMLRequest={saml}&RelayState={target}"
        )

    async def _saml(self, request: web.Request) -> web.StreamResponse:
        if request.cookies.get("PD-S-SESSION-ID-PCOAUT") not in self._isam_sessions:
            return web.Response(status=401, text="<html>Please sign in</html>")
        if "SAMLRequest" not in request.query:
            return web.Response(status=400, text="<html>No SAML request</html>")
        assertion = f"saml-{uuid.uuid4().hex}"
        self._assertions.add(assertion)
        return _form(
            f"https://{DSS}{IDM}/sso/saml/acs",
            {"RelayState": request.query.get("RelayState", ""), "SAMLResponse": assertion},
        )

    async def _acs(self, request: web.Request) -> web.StreamResponse:
        form = {k: v[0] for k, v in parse_qs((await request.read()).decode()).items()}
        if form.get("SAMLResponse") not in self._assertions:
            return web.Response(status=403, text="<html>Bad assertion</html>")
        self._assertions.discard(form["SAMLResponse"])
        ocis = f"ocis-{next(self._serial)}"
        self._ocis.add(ocis)
        return _form(f"https://{DSS}{IDM}/sso/ocis", {"OCIS_REQ_SP": ocis})

    async def _ocis_post(self, request: web.Request) -> web.StreamResponse:
        form = {k: v[0] for k, v in parse_qs((await request.read()).decode()).items()}
        if form.get("OCIS_REQ_SP") not in self._ocis or request.cookies.get("dssPortalCW") != "1":
            return web.Response(status=403, text="<html>Bad request</html>")
        one_time = f"ott-{next(self._serial)}"
        self._one_time.add(one_time)
        raise web.HTTPFound(f"https://{DSS}/webcenter/portal/dss?token={one_time}")

    async def _portal(self, request: web.Request) -> web.StreamResponse:
        return web.Response(text="<html>DSS portal</html>", content_type="text/html")

    async def _confirm(self, request: web.Request) -> web.StreamResponse:
        form = {k: v[0] for k, v in parse_qs((await request.read()).decode()).items()}
        if form.get("token") not in self._one_time:
            return web.json_response({"error": {"code": "INVALID_TOKEN"}}, status=401)
        self._one_time.discard(form["token"])
        return web.json_response({"sessionToken": self.api.issue_token()})

    async def _sync(self, request: web.Request) -> web.StreamResponse:
        if self.api.authorized(request) is None:
            return web.json_response({"error": {"code": "UNAUTHORIZED"}}, status=401)
        body = json.loads(await request.read())
        if body != {"operations": [{"type": "USER_DETAILS"}]}:
            return web.json_response({"error": {"code": "BAD_REQUEST"}}, status=400)
        self.synced.append(request.headers["Authorization"])
        return web.json_response({"status": "SUCCESS"})


def _form(action: str, fields: dict[str, str]) -> web.Response:
    inputs = "".join(f'<input type="hidden" name="{k}" value="{v}"/>' for k, v in fields.items())
    page = (
        '<html><body onload="document.forms[0].submit()">'
        f'<form method="post" action="{action}">{inputs}'
        '<noscript><input type="submit" value="Continue"/></noscript></form></body></html>'
    )
    return web.Response(text=page, content_type="text/html")
