"""A fake of Acme Power's API (the far side), for httpx.MockTransport."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx

PASSWORD = "hunter22"
CODE = "424242"
DEVICE_TOKEN = "acme-device-7f3a9c"


class AcmeSite:
    def __init__(self, now: datetime) -> None:
        self.now = now
        self.sent_to: list[str] = []

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if request.method == "POST":
            return self._post(path, json.loads(request.content))
        if request.headers.get("Authorization") != "Bearer acme-access":
            return httpx.Response(401)
        if path == "/accounts":
            return httpx.Response(200, json=[{"number": "ACME-1001"}])
        if path == "/accounts/ACME-1001/meters":
            return httpx.Response(200, json=[{"id": "M-77", "rate": "RES-1"}])
        if path == "/meters/M-77/bills":
            return httpx.Response(200, json=[self._bill(1), self._bill(0)][::-1])
        if path == "/meters/M-77/usage":
            return httpx.Response(200, json=self._usage(request))
        return httpx.Response(404)

    def _post(self, path: str, body: dict[str, str]) -> httpx.Response:
        if path == "/login":
            if body["password"] != PASSWORD:
                return httpx.Response(401)
            if body.get("device_token") == DEVICE_TOKEN or body["username"] == "plain":
                return httpx.Response(200, json={"access": "acme-access"})
            return httpx.Response(
                200, json={"mfa": [{"id": "p1", "to": "***-***-0199"}], "ticket": "t-1"}
            )
        if path == "/mfa/send":
            self.sent_to.append(body["option"])
            return httpx.Response(200, json={})
        if path == "/mfa/verify" and body["code"] == CODE:
            expires = (self.now + timedelta(days=30)).isoformat()
            return httpx.Response(200, json={"device_token": DEVICE_TOKEN, "expires_at": expires})
        return httpx.Response(200, json={"attempts_left": 2})

    def _bill(self, months_ago: int) -> dict[str, object]:
        end = (self.now - timedelta(days=5 + 30 * months_ago)).date()
        start = end - timedelta(days=30)
        return {
            "from": start.isoformat(),
            "to": end.isoformat(),
            "issued": (end + timedelta(days=2)).isoformat(),
            "due": (end + timedelta(days=23)).isoformat(),
            "charges": "61.50",
            "balance_due": "61.50",
            "kwh": "300",
            "items": [
                {"label": "Energy", "amount": "51.50", "type": "SUPPLY"},
                {"label": "Basic charge", "amount": "10.00", "type": "DELIVERY"},
            ],
        }

    def _usage(self, request: httpx.Request) -> list[dict[str, str]]:
        start = datetime.fromisoformat(request.url.params["from"])
        end = datetime.fromisoformat(request.url.params["to"])
        at = start.astimezone(UTC)
        rows = []
        while at < end:
            rows.append({"at": at.isoformat(), "kwh": "0.750"})
            at += timedelta(hours=1)
        return rows
