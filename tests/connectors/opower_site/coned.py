"""ConEd's sign-in as the library drives it: the coned.com login API, an authenticator-app
(TOTP) factor, Okta redirects, and the Opower token endpoint.

``/Login`` checks the password (the pre-login cookies from ``/en/login`` must be there); a
browser without a remembered ``CE_DEVICE_ID`` must then pass ``/VerifyFactor`` with a TOTP
code, checked with ``pyotp`` against the account's secret (the current period or the one
either side, each code once: ConEd rejects a code it already accepted). Okta's authorize
redirects back with a code that coned.com exchanges server-side (a session cookie); the
energy-use page then runs the second Okta round that mints the Opower token, which
``GetOPowerToken`` returns as a JSON string. ``mfa=False`` is an account without a factor.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pyotp
from aiohttp import web

from tests.connectors.https_site import HttpsSite
from tests.connectors.opower_site.api import OpowerApi

HOST = "www.coned.com"
OKTA = "login.coned.com"
API = "/sitecore/api/ssc/ConEdWeb-Foundation-Login-Areas-LoginAPI/User/0"
ENERGY_USE = "/en/accounts-billing/my-account/energy-use"


@dataclass
class ConEdLogin:
    api: OpowerApi
    username: str
    password: str
    totp_secret: str | None = None  # None: no MFA factor on the account
    seconds: Callable[[], float] = time.time  # the site's clock, for TOTP periods
    accepted: set[str] = field(default_factory=set)  # TOTP codes used
    rejected: list[str] = field(default_factory=list)
    _serial: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _pending: set[str] = field(default_factory=set)  # pre-login sessions past the password
    _codes: set[str] = field(default_factory=set)  # Okta authorization codes
    _sessions: dict[str, bool] = field(default_factory=dict)  # session → Opower round done
    _devices: set[str] = field(default_factory=set)

    def install(self, site: HttpsSite) -> None:
        site.route("GET", HOST, "/en/login", self._login_page)
        site.route("POST", HOST, f"{API}/Login", self._login)
        site.route("POST", HOST, f"{API}/VerifyFactor", self._verify)
        site.route("GET", OKTA, "/oauth2/default/v1/authorize", self._okta)
        site.route("GET", HOST, "/", self._callback)
        site.route("GET", HOST, ENERGY_USE, self._energy_use)
        site.route(
            "GET",
            HOST,
            "/sitecore/api/ssc/ConEd-Cms-Services-Controllers-Opower/OpowerService/0/GetOPowerToken",
            self._opower_token,
        )

    def _okta_url(self, state: str) -> str:
        return f"https://{OKTA}/oauth2/default/v1/authorize?client_id=coned-web&state={state}"

    async def _login_page(self, request: web.Request) -> web.StreamResponse:
        response = web.Response(text="<html>Log in</html>", content_type="text/html")
        response.set_cookie("ASP.NET_SessionId", f"pre-{next(self._serial)}", secure=True)
        return response

    async def _login(self, request: web.Request) -> web.StreamResponse:
        pre = request.cookies.get("ASP.NET_SessionId")
        body = json.loads(await request.read())
        if pre is None:
            return web.json_response({"login": False, "message": "Session expired"})
        if body.get("LoginEmail") != self.username or body.get("LoginPassword") != self.password:
            return web.json_response({"login": False, "newDevice": False, "noMfa": False})
        if self.totp_secret is None or request.cookies.get("CE_DEVICE_ID") in self._devices:
            return web.json_response(
                {
                    "login": True,
                    "newDevice": False,
                    "noMfa": True,
                    "authRedirectUrl": self._okta_url("web"),
                }
            )
        self._pending.add(pre)
        return web.json_response({"login": True, "newDevice": True, "noMfa": False})

    async def _verify(self, request: web.Request) -> web.StreamResponse:
        body = json.loads(await request.read())
        code = str(body.get("MFACode", ""))
        if request.cookies.get("ASP.NET_SessionId") not in self._pending or not self.totp_secret:
            return web.json_response({"code": False})
        totp = pyotp.TOTP(self.totp_secret)
        now = self.seconds()
        if code in self.accepted or not totp.verify(code, for_time=now, valid_window=1):
            self.rejected.append(code)
            return web.json_response({"code": False})
        self.accepted.add(code)
        device = f"device-{next(self._serial)}"
        self._devices.add(device)
        response = web.json_response({"code": True, "authRedirectUrl": self._okta_url("web")})
        response.set_cookie("CE_DEVICE_ID", device, secure=True, domain="coned.com")
        return response

    async def _okta(self, request: web.Request) -> web.StreamResponse:
        code = f"okta-{next(self._serial)}"
        self._codes.add(code)
        state = request.query.get("state", "")
        if state.startswith("opower|"):
            raise web.HTTPFound(f"https://{HOST}{ENERGY_USE}?code={code}&state={state}")
        raise web.HTTPFound(f"https://{HOST}/?code={code}")

    async def _callback(self, request: web.Request) -> web.StreamResponse:
        code = request.query.get("code", "")
        if code not in self._codes:
            raise web.HTTPFound("/en/login")
        self._codes.discard(code)
        session = f"sess-{next(self._serial)}"
        self._sessions[session] = False
        response = web.Response(text="<html>Welcome</html>", content_type="text/html")
        response.set_cookie("coned_session", session, secure=True, httponly=True)
        return response

    async def _energy_use(self, request: web.Request) -> web.StreamResponse:
        session = request.cookies.get("coned_session", "")
        if session not in self._sessions:
            raise web.HTTPFound("/en/login?ReturnUrl=" + ENERGY_USE)
        if not self._sessions[session]:
            code = request.query.get("code")
            if code is None:
                raise web.HTTPFound(self._okta_url(f"opower|{session}"))
            if code not in self._codes:
                raise web.HTTPFound("/en/login")
            self._codes.discard(code)
            self._sessions[session] = True
        return web.Response(text="<html>Energy use</html>", content_type="text/html")

    async def _opower_token(self, request: web.Request) -> web.StreamResponse:
        if not self._sessions.get(request.cookies.get("coned_session", ""), False):
            return web.json_response(None)
        return web.json_response(self.api.issue_token())
