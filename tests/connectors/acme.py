"""An example third-party connector, as docs/guides/writing-a-connector.md shows it.

"Acme Power" has a small JSON API. The connector uses only ``context.http_client()``, so
its tests fake the utility's side with an ``httpx.MockTransport`` (see ``acme_site``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx

from gridlink.connectors import (
    Account,
    Commodity,
    Connector,
    ConnectorInfo,
    ConnectorSession,
    Credentials,
    IntervalReading,
    LineItem,
    LineItemKind,
    Meter,
    MfaChallenge,
    MfaMethod,
    MfaOption,
    Resolution,
    ServiceClass,
    SessionToken,
    SignInKind,
    Statement,
    UtilityInfo,
)
from gridlink.connectors.errors import (
    InvalidCredentials,
    MfaCodeInvalid,
    MfaRequired,
    TemporarilyUnavailable,
    UtilityTimeout,
)

API = "https://api.acme-power.invalid"


class AcmeConnector(Connector):
    info = ConnectorInfo(
        id="acme",
        display_name="Acme Power",
        utilities=(
            UtilityInfo(
                id="acme_power",
                name="Acme Power & Light",
                states=("OR",),
                commodities=(Commodity.ELECTRIC,),
                sign_in_kinds=(SignInKind.PASSWORD_MFA,),
                mfa_methods=(MfaMethod.SMS,),
                forgot_password_url="https://acme-power.invalid/forgot",
            ),
        ),
    )

    async def login(
        self, credentials: Credentials, *, session_token: SessionToken | None = None
    ) -> ConnectorSession:
        body = {"username": credentials.username, "password": credentials.password}
        if session_token is not None:
            body["device_token"] = session_token.value
        client = self.context.http_client()
        try:
            reply = await _post(client, "/login", body)
        except BaseException:
            await client.aclose()
            raise
        if "mfa" in reply:
            await client.aclose()
            options = tuple(MfaOption(o["id"], MfaMethod.SMS, o["to"]) for o in reply["mfa"])
            raise MfaRequired(MfaChallenge(options, handle=reply["ticket"]))
        return AcmeSession(client, reply["access"])

    async def select_mfa_option(self, challenge: MfaChallenge, option_id: str) -> None:
        async with self.context.http_client() as client:
            await _post(client, "/mfa/send", {"ticket": challenge.handle, "option": option_id})
        challenge.selected_option_id = option_id

    async def submit_mfa_code(self, challenge: MfaChallenge, code: str) -> SessionToken:
        async with self.context.http_client() as client:
            reply = await _post(client, "/mfa/verify", {"ticket": challenge.handle, "code": code})
        if "device_token" not in reply:
            raise MfaCodeInvalid(reply.get("attempts_left"))
        expires = datetime.fromisoformat(reply["expires_at"])
        return SessionToken(reply["device_token"], expires)


class AcmeSession(ConnectorSession):
    def __init__(self, client: httpx.AsyncClient, access: str) -> None:
        self._client = client
        self._headers = {"Authorization": f"Bearer {access}"}

    def __repr__(self) -> str:
        return "AcmeSession()"

    async def close(self) -> None:
        await self._client.aclose()

    async def fetch_accounts(self) -> Sequence[Account]:
        rows = await self._get("/accounts")
        return [Account(row["number"], None) for row in rows]

    async def fetch_meters(self, account: Account) -> Sequence[Meter]:
        rows = await self._get(f"/accounts/{account.number}/meters")
        return [
            Meter(
                r["id"],
                Commodity.ELECTRIC,
                ServiceClass.RESIDENTIAL,
                r["rate"],
                "America/Los_Angeles",
            )
            for r in rows
        ]

    async def fetch_statements(
        self, meter: Meter, since: date | None = None
    ) -> Sequence[Statement]:
        rows = await self._get(f"/meters/{meter.number}/bills")
        bills = sorted((_statement(row) for row in rows), key=lambda b: b.period_start)
        return [b for b in bills if since is None or b.period_end > since]  # oldest first

    async def fetch_intervals(
        self,
        meter: Meter,
        start: datetime,
        end: datetime,
        resolution: Resolution = Resolution.FINEST,
    ) -> Sequence[IntervalReading]:
        params = {"from": start.isoformat(), "to": end.isoformat()}
        rows = await self._get(f"/meters/{meter.number}/usage", params)
        hour = timedelta(hours=1)
        return [
            IntervalReading(
                datetime.fromisoformat(r["at"]).astimezone(UTC), hour, Decimal(r["kwh"]), "kWh"
            )
            for r in rows
        ]

    async def _get(self, path: str, params: dict[str, str] | None = None) -> Any:
        try:
            response = await self._client.get(API + path, params=params, headers=self._headers)
        except httpx.TimeoutException as error:
            raise UtilityTimeout from error
        if response.status_code >= 500:
            raise TemporarilyUnavailable
        return response.json()


def _statement(row: dict[str, Any]) -> Statement:
    items = tuple(
        LineItem(i["label"], Decimal(i["amount"]), kind=_KINDS.get(i["type"], LineItemKind.OTHER))
        for i in row["items"]
    )
    return Statement(
        period_start=date.fromisoformat(row["from"]),
        period_end=date.fromisoformat(row["to"]),
        statement_date=date.fromisoformat(row["issued"]),
        due_date=date.fromisoformat(row["due"]),
        new_charges=Decimal(row["charges"]),  # this period's: what the line items add up to
        amount_due=Decimal(row["balance_due"]),  # what the bill asks to be paid
        usage=Decimal(row["kwh"]),
        usage_unit="kWh",
        line_items=items,
    )


# Acme's line item types → Gridlink's kinds; anything new stays "other".
_KINDS = {"SUPPLY": LineItemKind.SUPPLY, "DELIVERY": LineItemKind.DELIVERY, "TAX": LineItemKind.TAX}


async def _post(client: httpx.AsyncClient, path: str, body: dict[str, str]) -> Any:
    try:
        response = await client.post(API + path, json=body)
    except httpx.TimeoutException as error:
        raise UtilityTimeout from error
    if response.status_code == 401:
        raise InvalidCredentials
    if response.status_code >= 500:
        raise TemporarilyUnavailable
    return response.json()
