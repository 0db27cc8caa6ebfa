"""PG&E's sign-in as the library drives it: Salesforce Aura actions on myaccount.pge.com.

``MyAcct_customLoginLWCController.login`` answers ``retMessage: "verifymfa :"`` with the
masked ``EmailVal``/``PhoneVal`` unless the browser cookie pair from an earlier MFA
(``login_data``) is still trusted; ``handleChoiceofMFA`` sends a code (recorded in
:attr:`PgeLogin.codes`); ``verifySignInCode`` checks it and returns the ``wrapperObj`` the
library turns into ``login_data``. A good login answers a front-door URL; the dashboard
sets the ``__Host-ERIC_PROD…`` cookie whose value is the Aura token; the Opower data
browser page carries the Opower token in ``let tokenFromApex = '…'``.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

from aiohttp import web

from tests.connectors.https_site import HttpsSite
from tests.connectors.opower_site.api import OpowerApi

HOST = "myaccount.pge.com"
AURA_COOKIE = "__Host-ERIC_PROD-4a1b2c"
COOKIE_MARK = "pge-validation-7f3a"  # every validationCookie starts so: a secret to look for


@dataclass
class PgeLogin:
    api: OpowerApi
    username: str
    password: str
    mfa: bool = True
    email: str = "j*****@example.com"
    phone: str = "***-***-4821"
    trust_days: int = 30
    code: str | None = None  # the code every send carries; None: a new one each time
    codes: list[tuple[str | None, str]] = field(default_factory=list)  # (option, code) sent
    trusted: dict[str, datetime] = field(default_factory=dict)  # validationCookie → expiry
    logins: list[dict[str, str]] = field(default_factory=list)  # login params (no password)
    _serial: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _sids: set[str] = field(default_factory=set)
    _aura_tokens: set[str] = field(default_factory=set)
    _challenges: dict[str, str | None] = field(default_factory=dict)  # encryptedTFT → option

    def install(self, site: HttpsSite) -> None:
        site.route("POST", HOST, "/myaccount/s/sfsites/aura", self._aura)
        site.route("GET", HOST, "/myaccount/secur/frontdoor.jsp", self._front_door)
        site.route("GET", HOST, "/myaccount/s/", self._dashboard)
        site.route(
            "GET", HOST, "/myaccount/apex/MyAcct_VF_BillInsights_OpowerDataBrowser", self._browser
        )

    # -- Aura ------------------------------------------------------------------------------

    async def _aura(self, request: web.Request) -> web.StreamResponse:
        form = {k: v[0] for k, v in parse_qs((await request.read()).decode()).items()}
        action = json.loads(form["message"])["actions"][0]["params"]
        name = (action["classname"], action["method"])
        params = action.get("params") or {}
        if name == ("MyAcct_customLoginLWCController", "login"):
            return _answer(self._login(params))
        if name == ("MyAcct_Apex_CustomMFAController", "handleChoiceofMFA"):
            return _answer(self._choose(params))
        if name == ("MyAcct_Apex_CustomMFAController", "verifySignInCode"):
            return _answer(self._verify(params["input"]))
        # Dashboard actions: only with the session's Aura token.
        if form.get("aura.token") not in self._aura_tokens or not self._signed_in(request):
            return _answer(None, state="ERROR", error=[{"message": "Invalid session"}])
        if name == ("MyAcct_AccountCacheHandler", "getSessionCacheVarLWC"):
            numbers = dict.fromkeys(c.account_number for c in self.api.customers)
            listed = [{"value": n, "label": f"{n} - 77 BEALE ST"} for n in numbers]
            return _answer({"userAccounts": json.dumps(listed)})
        return _answer({"status": "success"})

    def _login(self, params: dict[str, Any]) -> dict[str, Any]:
        self.logins.append({k: v for k, v in params.items() if k != "password"})
        if params.get("username") != self.username or params.get("password") != self.password:
            return {"retMessage": "Invalid username or password"}
        cookie = params.get("validationCookie") or "null"
        expiry = self.trusted.get(cookie)
        remembered = expiry is not None and expiry > self.api.now
        if self.mfa and not (remembered and params.get("browsercookie") == f"enc-{self.username}"):
            tft = f"tft-{next(self._serial)}"
            self._challenges[tft] = ""
            if not self.email and not self.phone:  # nothing to choose: the code goes out
                self._challenges[tft] = None
                self.codes.append((None, self._new_code()))
            return {
                "retMessage": "verifymfa :",
                "EmailVal": self.email,
                "PhoneVal": self.phone,
                "retencrUsrname": f"enc-{self.username}",
                "encryptedTFT": tft,
            }
        sid = f"sid-{next(self._serial)}"
        self._sids.add(sid)
        return {"retMessage": f"https://{HOST}/myaccount/secur/frontdoor.jsp?sid={sid}"}

    def _choose(self, params: dict[str, Any]) -> dict[str, Any]:
        choice = params.get("selectedChoice")
        if choice not in ("Email", "Phone") or params.get("username") != f"enc-{self.username}":
            return {"retMessage": "failure"}
        self.codes.append((choice, self._new_code()))
        for tft, chosen in self._challenges.items():
            if not chosen:
                self._challenges[tft] = choice
        return {"retMessage": "success"}

    def _new_code(self) -> str:
        return self.code or f"{next(self._serial) * 7919 % 1000000:06d}"

    def _verify(self, given: dict[str, Any]) -> dict[str, Any]:
        tft = given.get("encToken")
        sent = [code for option, code in self.codes if option == given.get("otpType")]
        good = (
            tft in self._challenges
            and self._challenges[tft] == given.get("otpType")
            and given.get("password") == self.password
            and sent
            and given.get("authCode") == sent[-1]
        )
        if not good:
            return {"returnResponse": "failure"}
        self._challenges.pop(str(tft))
        key = f"{COOKIE_MARK}-{next(self._serial)}"
        expiry = self.api.now + timedelta(days=self.trust_days)
        self.trusted[key] = expiry
        return {
            "returnResponse": "success",
            "wrapperObj": {
                "retencrUsrname": f"enc-{self.username}",
                "encryptedKey": key,
                "expiryDateTime": expiry.isoformat().replace("+00:00", "Z"),
            },
        }

    # -- pages -----------------------------------------------------------------------------

    def _signed_in(self, request: web.Request) -> bool:
        return request.cookies.get("sid") in self._sids

    async def _front_door(self, request: web.Request) -> web.StreamResponse:
        sid = request.query.get("sid", "")
        if sid not in self._sids:
            return web.Response(status=401, text="Session expired")
        response = web.HTTPFound("/myaccount/s/")
        response.set_cookie("sid", sid, secure=True, httponly=True, path="/")
        return response

    async def _dashboard(self, request: web.Request) -> web.StreamResponse:
        if not self._signed_in(request):
            raise web.HTTPFound("/myaccount/s/login/")
        token = f"aura-{next(self._serial)}"
        self._aura_tokens.add(token)
        response = web.Response(
            text="<html><body>My Account</body></html>", content_type="text/html"
        )
        response.set_cookie(AURA_COOKIE, token, secure=True, path="/")
        return response

    async def _browser(self, request: web.Request) -> web.StreamResponse:
        if not self._signed_in(request):
            raise web.HTTPFound("/myaccount/s/login/")
        token = self.api.issue_token()
        page = f"<html><script>let tokenFromApex = '{token}';</script></html>"
        return web.Response(text=page, content_type="text/html")


def _answer(
    value: dict[str, Any] | None, state: str = "SUCCESS", error: list[Any] | None = None
) -> web.Response:
    action: dict[str, Any] = {"id": "123;a", "state": state, "error": error or []}
    if value is not None:
        action["returnValue"] = {"returnValue": value, "cacheable": False}
    return web.json_response({"actions": [action], "context": {"mode": "PROD"}})
