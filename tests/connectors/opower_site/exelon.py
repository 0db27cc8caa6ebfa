"""An Exelon utility's sign-in (ComEd here) as the library drives it: Azure AD B2C.

``secure.<utility>.com/Pages/Login.aspx`` redirects to the B2C web policy's authorize page,
whose ``var SETTINGS = {...};`` names the tenant; the library then opens the mobile policy's
authorize page with a PKCE challenge, posts the password to ``SelfAsserted`` (CSRF token
and transaction id checked), and reads the MFA step from ``api/SelfAsserted/confirmed``'s
``var SA_FIELDS = {...};``. Two MFA shapes: ``"phone"`` (the user opted in: email or text,
chosen on a page) and ``"email"`` (forced email MFA, no choice). The code goes out by
``DisplayControlAction/vbeta/<email|text>VerificationControl/SendCode`` (recorded in
:attr:`ExelonLogin.codes`) and is checked by ``VerifyCode``; the final ``confirmed`` redirects
to ``msauth.<app>://auth/?code=…``, exchanged at ``oauth2/v2.0/token`` (the PKCE verifier
checked) for a refresh token. Refresh tokens get a new B2C token and, with the opower
scope and the account number as nonce, the Opower token. ``eudapi.<utility>.com`` lists the
accounts.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from aiohttp import web

from tests.connectors.https_site import PARAMS, HttpsSite
from tests.connectors.opower_site.api import OpowerApi

TENANT = "euazurecomed.onmicrosoft.com"
WEB_POLICY = "B2C_1A_SignIn"
MOBILE_POLICY = "B2C_1A_SignIn_Mobile"
REFRESH_MARK = "exelon-refresh-c0ffee"  # every refresh token starts so: a secret to look for


@dataclass
class _Transaction:
    policy: str
    csrf: str
    challenge: str = ""
    step: str = "password"  # password → mfa → verify → done
    option: str = ""
    verified: bool = False


@dataclass
class ExelonLogin:
    api: OpowerApi
    username: str
    password: str
    mfa: str = "phone"  # "phone": email or text to choose; "email": forced email MFA
    utility_host: str = "secure.comed.com"
    login_host: str = "login.comed.com"
    accounts_host: str = "eudapi.comed.com"
    mobile_scheme: str = "msauth.com.comed.mobile"
    state: str = "IL"
    code: str | None = None  # the code every send carries; None: a new one each time
    codes: list[tuple[str, str]] = field(default_factory=list)  # (option, code) sent
    refresh_tokens: set[str] = field(default_factory=set)
    _serial: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _transactions: dict[str, _Transaction] = field(default_factory=dict)
    _codes: dict[str, str] = field(default_factory=dict)  # auth code → PKCE challenge
    _b2c_tokens: set[str] = field(default_factory=set)

    def install(self, site: HttpsSite) -> None:
        site.route("GET", self.utility_host, "/Pages/Login.aspx", self._login_page)
        base = f"/{TENANT}/{{policy}}"
        site.route("GET", self.login_host, f"{base}/oauth2/v2.0/authorize", self._authorize)
        site.route("POST", self.login_host, f"{base}/SelfAsserted", self._self_asserted)
        for control in ("email", "text"):
            for verb in ("SendCode", "VerifyCode"):
                action = f"DisplayControlAction/vbeta/{control}VerificationControl/{verb}"
                path = f"{base}/SelfAsserted/{action}"
                site.route("POST", self.login_host, path, self._display_control)
        site.route("GET", self.login_host, f"{base}/api/SelfAsserted/confirmed", self._confirmed)
        site.route("POST", self.login_host, f"{base}/oauth2/v2.0/token", self._token)
        site.route("GET", self.accounts_host, "/mobile/custom/auth/accounts", self._accounts)

    @property
    def account_number(self) -> str:
        return self.api.customers[0].account_number

    # -- pages -----------------------------------------------------------------------------

    async def _login_page(self, request: web.Request) -> web.StreamResponse:
        target = f"https://{self.login_host}/{TENANT}/{WEB_POLICY}/oauth2/v2.0/authorize"
        raise web.HTTPFound(f"{target}?client_id=web-client&response_type=id_token&scope=openid")

    async def _authorize(self, request: web.Request) -> web.StreamResponse:
        policy = request.query.get("p") or request[PARAMS]["policy"]
        tx_id = f"StateProperties=tx{next(self._serial)}"
        tx = _Transaction(
            policy, f"csrf-{next(self._serial)}", request.query.get("code_challenge", "")
        )
        self._transactions[tx_id] = tx
        settings = {
            "remoteResource": "https://b2c-ui.example/unified.html",
            "hosts": {"tenant": f"/{TENANT}/{policy}", "policy": policy, "static": "https://b2c"},
            "csrf": tx.csrf,
            "transId": tx_id,
            "pageViewId": f"pv-{next(self._serial)}",
            "api": "CombinedSigninAndSignup",
        }
        return _page(settings)

    def _transaction(self, request: web.Request, csrf: str | None) -> _Transaction | None:
        tx = self._transactions.get(request.query.get("tx", ""))
        if tx is None or tx.policy.lower() != request.query.get("p", "").lower():
            return None
        return tx if csrf == tx.csrf else None

    async def _self_asserted(self, request: web.Request) -> web.StreamResponse:
        tx = self._transaction(request, request.headers.get("X-CSRF-TOKEN"))
        if tx is None:
            return _status("403", "Your session has expired.")
        form = {k: v[0] for k, v in parse_qs((await request.read()).decode()).items()}
        if tx.step == "password":
            if form.get("signInName") != self.username or form.get("password") != self.password:
                return _status(
                    "400", "The username or password provided in the request are invalid."
                )
            tx.step = "mfa"
            return _status("200")
        if tx.step == "mfa":  # the MFA choice (phone MFA only)
            tx.option = form.get("mfaEnabledRadio", "")
            tx.step = "verify"
            return _status("200")
        if tx.step == "verify" and tx.verified:
            tx.step = "done"
            return _status("200")
        return _status("400", "Please verify your code first.")

    async def _display_control(self, request: web.Request) -> web.StreamResponse:
        tx = self._transaction(request, request.headers.get("X-CSRF-TOKEN"))
        if tx is None or tx.step not in ("mfa", "verify"):
            return _status("403", "Your session has expired.")
        form = {k: v[0] for k, v in parse_qs((await request.read()).decode()).items()}
        option = "Text" if "/textVerificationControl/" in request.path else "Email"
        if request.path.endswith("/SendCode"):
            if self.mfa == "email" and option != "Email":
                return _status("400", "Text verification is not available.")
            tx.option, tx.step = option, "verify"
            code = self.code or f"{next(self._serial) * 104729 % 1000000:06d}"
            self.codes.append((option, code))
            return _status("200")
        sent = [code for chosen, code in self.codes if chosen == option]
        if not sent or form.get("verificationCode") != sent[-1]:
            return _status(
                "400", "The verification code you have entered does not match our records."
            )
        tx.verified = True
        return _status("200")

    async def _confirmed(self, request: web.Request) -> web.StreamResponse:
        tx = self._transaction(request, request.query.get("csrf_token"))
        if tx is None:
            return web.Response(status=403, text="Session expired")
        if tx.step == "done":
            code = f"authcode-{next(self._serial)}"
            self._codes[code] = tx.challenge
            raise web.HTTPFound(f"{self.mobile_scheme}://auth/?code={code}")
        if tx.step == "mfa" and self.mfa == "phone":
            fields: list[dict[str, Any]] = [
                {"ID": "displayEmailAddress", "PRE": "j***@example.com"},
                {"ID": "displayPhoneNumber", "PRE": "XXX-XXX-4821"},
                {"ID": "mfaEnabledRadio", "PRE": "Text", "OPTIONS": ["Text", "Email", "Call"]},
            ]
            return _page(self._settings(tx), {"AttributeFields": fields})
        if tx.step == "mfa":  # forced email MFA
            fields = [
                {"ID": "extension_isMFAEnabled", "PRE": "False"},
                {
                    "ID": "emailVerificationControl",
                    "DISPLAY_FIELDS": [{"ID": "displayEmailAddress", "PRE": "j***@example.com"}],
                },
            ]
            return _page(self._settings(tx), {"AttributeFields": fields})
        return _page(self._settings(tx))

    def _settings(self, tx: _Transaction) -> dict[str, Any]:
        tx_id = next(k for k, v in self._transactions.items() if v is tx)
        return {
            "hosts": {"tenant": f"/{TENANT}/{tx.policy}", "policy": tx.policy},
            "csrf": tx.csrf,
            "transId": tx_id,
            "pageViewId": f"pv-{next(self._serial)}",
            "api": "SelfAsserted",
        }

    # -- tokens ----------------------------------------------------------------------------

    async def _token(self, request: web.Request) -> web.StreamResponse:
        form = {k: v[0] for k, v in parse_qs((await request.read()).decode()).items()}
        grant = form.get("grant_type")
        if grant == "authorization_code":
            challenge = self._codes.pop(form.get("code", ""), None)
            verifier = form.get("code_verifier", "")
            digest = hashlib.sha256(verifier.encode()).digest()
            if (
                challenge is None
                or base64.urlsafe_b64encode(digest).decode().rstrip("=") != challenge
            ):
                return web.json_response({"error": "invalid_grant"}, status=400)
            return web.json_response(self._tokens())
        if grant == "refresh_token" and form.get("refresh_token") in self.refresh_tokens:
            scope = form.get("scope", "")
            if scope.endswith("/opower/opower_connect"):
                if form.get("nonce") != self.account_number:
                    return web.json_response({"error": "invalid_request"}, status=400)
                return web.json_response(
                    {"access_token": self.api.issue_token(), "token_type": "Bearer"}
                )
            return web.json_response(self._tokens())
        return web.json_response({"error": "invalid_grant"}, status=400)

    def _tokens(self) -> dict[str, Any]:
        refresh = f"{REFRESH_MARK}-{next(self._serial)}"
        access = f"b2c-access-{next(self._serial)}"
        self.refresh_tokens.add(refresh)
        self._b2c_tokens.add(access)
        return {
            "access_token": access,
            "refresh_token": refresh,
            "token_type": "Bearer",
            "expires_in": 3600,
        }

    async def _accounts(self, request: web.Request) -> web.StreamResponse:
        if request.headers.get("Authorization", "").removeprefix("Bearer ") not in self._b2c_tokens:
            return web.json_response({"success": False}, status=401)
        data = [
            {
                "accountNumber": self.account_number,
                "status": "Active",
                "isDefaultProfile": True,
                "isResidential": True,
                "PremiseInfo": [{"mainAddress": {"townDetail": {"stateOrProvince": self.state}}}],
            }
        ]
        return web.json_response({"success": True, "data": data})


def _status(status: str, message: str = "") -> web.Response:
    return web.Response(
        text=json.dumps({"status": status, "message": message}), content_type="application/json"
    )


def _page(settings: dict[str, Any], sa_fields: dict[str, Any] | None = None) -> web.Response:
    lines = ["<html><head><script>", f"var SETTINGS = {json.dumps(settings)};"]
    if sa_fields is not None:
        lines.append(f"var SA_FIELDS = {json.dumps(sa_fields)};")
    lines += ["</script></head><body></body></html>"]
    return web.Response(text="\n".join(lines), content_type="text/html")
