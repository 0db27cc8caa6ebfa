from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Commodity = Literal["electric", "gas", "water"]
SignInKind = Literal["password", "password_mfa", "password_totp", "oauth", "file"]
ConnectionMethod = Literal["login", "green_button", "file"]
UtilityStatus = Literal["active", "degraded", "unsupported"]
Environment = Literal["sandbox", "live"]
MatchedBy = Literal["zip", "area", "state"]

COMMODITIES: tuple[Commodity, ...] = ("electric", "gas", "water")


class UtilityOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "sandbox_electric",
                    "name": "Sandbox Power & Light",
                    "legal_name": None,
                    "logo_url": None,
                    "states": ["CA"],
                    "commodities": ["electric"],
                    "sign_in_kinds": ["password", "password_mfa"],
                    "mfa_methods": ["sms", "call", "email"],
                    "connection_methods": ["login", "file"],
                    "connector_id": "sandbox",
                    "forgot_password_url": None,
                    "status": "active",
                    "environment": "sandbox",
                    "eia_ids": [],
                    "matched_by": "zip",
                },
                {
                    "id": "eia_13781",
                    "name": "Xcel Energy (Minnesota, Dakotas)",
                    "legal_name": "Northern States Power Co - Minnesota",
                    "logo_url": None,
                    "states": ["MN", "ND", "SD"],
                    "commodities": ["electric"],
                    "sign_in_kinds": [],
                    "mfa_methods": [],
                    "connection_methods": ["file"],
                    "connector_id": None,
                    "forgot_password_url": None,
                    "status": "unsupported",
                    "environment": "live",
                    "eia_ids": [13781],
                    "matched_by": None,
                },
            ]
        }
    )

    id: str = Field(description="Pass as `utility_id` when creating a connect token.")
    name: str = Field(description="The name end users know (a brand such as Xcel Energy).")
    legal_name: str | None = Field(
        default=None,
        description="The name EIA gives the company (Northern States Power Co - Minnesota), "
        "once an EIA table was imported; search matches it too.",
    )
    logo_url: str | None = None
    states: list[str] = Field(description="Two-letter codes of the states it serves.")
    commodities: list[Commodity]
    sign_in_kinds: list[SignInKind] = Field(
        description="How an end user signs in: password, password_mfa (password, then a code), "
        "password_totp (password plus the setup key of their authenticator app, from which "
        "Gridlink computes each code: send it as `totp_secret`), oauth (at the utility's "
        "site), file (upload a Green Button file). Empty while unsupported."
    )
    mfa_methods: list[str] = Field(description="Where MFA codes can be sent: sms, call, email.")
    connection_methods: list[ConnectionMethod] = Field(
        default_factory=list,
        description="The ways Connect can connect it, in the order it offers them: `login` "
        "(username and password, while a connector serves it and is not unsupported), "
        "`green_button` (Green Button Connect My Data, where the operator configured the "
        "utility's Data Custodian), `file` (a Green Button file, for every utility). A "
        "credential's `method` says which one it uses.",
    )
    connector_id: str | None = Field(
        default=None, description="The connector that serves it; null if none."
    )
    forgot_password_url: str | None = None
    status: UtilityStatus = Field(
        description="active; degraded (connections may fail for now); unsupported (listed so "
        "the widget can say so, but no connector serves it yet)."
    )
    environment: Environment
    eia_ids: list[int] = Field(
        description="EIA utility ids, when known: its own and its subsidiaries' (one entry "
        "for a company whose customers sign in at one place, e.g. Eversource)."
    )
    matched_by: MatchedBy | None = Field(
        default=None,
        description="With `zip`: `zip` when zip data lists this utility there (or one whose "
        "customers it serves), `area` when no utility listed there serves households and this "
        "one does in the zips around, `state` when no data covers the zip and the zip's state "
        "was used instead. Utilities with a working connector that serve households come "
        "first, then the rest, each best guess first.",
    )
