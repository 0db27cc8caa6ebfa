from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from gridlink.attempts.schemas import AttemptOut
from gridlink.connect.schemas import Language, Product
from gridlink.connect.sessions import CONSENT_VERSION
from gridlink.kit.openapi import exactly_one_of
from gridlink.users.schemas import ClientUserId
from gridlink.utilities.schemas import UtilityOut

Step = Literal[
    "consent", "utility", "credentials", "upload", "green_button", "mfa_refresh", "closed"
]


class SessionStart(BaseModel):
    """Exactly one of a connect token (from the app's backend), a connect link's token or a
    frame ticket (from the frame URL's fragment)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "oneOf": exactly_one_of("connect_token", "connect_link_token", "frame_ticket"),
            "examples": [
                {"connect_token": "glct_sandbox_..."},
                {"frame_ticket": "glwt_sandbox_..."},
            ],
        },
    )

    connect_token: str | None = Field(default=None, max_length=200)
    connect_link_token: str | None = Field(default=None, max_length=200)
    frame_ticket: str | None = Field(default=None, max_length=200)


class FrameRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"connect_token": "glct_sandbox_..."}]}
    )

    connect_token: str = Field(max_length=200)


class FrameClient(BaseModel):
    name: str
    accent_color: str | None = Field(
        default=None, description="`#rrggbb`, when the client set one."
    )


class FrameLabels(BaseModel):
    """The loader's loading card in the language Connect will speak: the dialog's and the
    frame's title, the close button's name and the status it announces."""

    title: str
    close: str
    loading: str


class FrameOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "frame_url": "https://gridlink.example/connect/frame?client=cli_01JD3Q2V7S9X8Y"
                    "6Z5W4V3U2T1S#ticket=glwt_sandbox_...",
                    "expires_at": "2026-11-21T14:05:00Z",
                    "session_id": "csn_01JD3Q2V7S9X8Y6Z5W4V3U2T1S",
                    "language": "es",
                    "client": {"name": "Acme Energy", "accent_color": "#0b6e4f"},
                    "labels": {
                        "title": "Conecte su cuenta de servicios públicos",
                        "close": "Cerrar",
                        "loading": "Cargando…",
                    },
                }
            ]
        }
    )

    frame_url: str = Field(description="Load in an iframe; the ticket is single use, 5 minutes.")
    expires_at: datetime
    # What the loader's loading card needs before the frame is ready (embed protocol §1), and
    # the session id for an onExit that comes before the frame said anything.
    session_id: str
    language: Language | None = Field(
        default=None, description="The session's language, when the connect token named one."
    )
    client: FrameClient
    labels: FrameLabels = Field(
        description="The loading card's labels: in the session's language, else the first of "
        "the browser's (Accept-Language) that Connect speaks, else English."
    )


class WidgetUrlRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "oneOf": exactly_one_of("client_user_id", "utility_credential_id"),
            "examples": [
                {
                    "client_user_id": "3f2c8e0a-5b1d-4c8e-9a47-2d6f1b0c9e11",
                    "target_origin": "https://app.acme.example",
                },
                {
                    "utility_credential_id": "ucr_01JD3Q2V7S9X8Y6Z5W4V3U2T1S",
                    "target_origin": "https://app.acme.example",
                    "language": "es",
                },
            ],
        },
    )

    client_user_id: ClientUserId | None = None
    utility_credential_id: str | None = Field(
        default=None,
        max_length=40,
        description="Repair this credential (update mode) instead of linking a new one.",
    )
    utility_id: str | None = Field(
        default=None, max_length=100, description="Preselect a utility; skips the utility screen."
    )
    products: list[Product] | None = Field(default=None, min_length=1)
    language: Language | None = Field(
        default=None, description="Widget language; default: the end user's browser."
    )
    target_origin: str = Field(
        max_length=2000,
        description="The page that frames Connect; must exactly match a registered origin. "
        "Connect posts its messages to this origin only.",
    )


class WidgetUrlOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "url": "https://gridlink.example/connect/frame?client=cli_01JD3Q2V7S9X8Y6Z5W"
                    "4V3U2T1S#ticket=glwt_sandbox_...",
                    "expires_at": "2026-11-21T14:05:00Z",
                }
            ]
        }
    )

    url: str = Field(description="Load in an iframe or webview; single use, 5 minutes.")
    expires_at: datetime


class ClientInfo(BaseModel):
    name: str
    logo_url: str | None = Field(default=None, description="Shown at the top of Connect.")
    accent_color: str | None = Field(
        default=None, description="`#rrggbb`: Connect's buttons and focus rings."
    )


class SessionOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "csn_01JD3Q2V7S9X8Y6Z5W4V3U2T1S",
                    "mode": "create",
                    "step": "consent",
                    "client": {
                        "name": "Acme Energy",
                        "logo_url": "https://app.acme.example/logo.png",
                        "accent_color": "#0b6e4f",
                    },
                    "products": ["accounts", "statements", "intervals"],
                    "language": None,
                    "consent_version": "2026-11-01",
                    "utility": None,
                    "utility_preselected": False,
                    "utility_credential_id": None,
                    "attempt": None,
                    "host_origin": "https://app.acme.example",
                    "expires_at": "2026-11-21T14:00:00Z",
                    "terms_url": "https://gridlink.acme.example/terms",
                    "privacy_url": "https://gridlink.acme.example/privacy",
                }
            ]
        }
    )

    id: str
    mode: Literal["create", "update"]
    step: Step
    client: ClientInfo
    products: list[str]
    consent_version: str
    utility_preselected: bool
    expires_at: datetime
    language: str | None = None
    utility: UtilityOut | None = None
    utility_credential_id: str | None = None
    attempt: AttemptOut | None = None
    host_origin: str | None = Field(
        default=None, description="The page that framed Connect (frame tickets only)."
    )
    terms_url: str | None = Field(
        default=None, description="Linked from the consent screen (GRIDLINK_CONNECT_TERMS_URL)."
    )
    privacy_url: str | None = Field(
        default=None,
        description="Linked from the consent screen (GRIDLINK_CONNECT_PRIVACY_URL).",
    )
    return_uri: str | None = Field(
        default=None,
        description='Connect links only: the link\'s redirect URI, for a "Return to {client}" '
        "link on the result screens (the page adds `status` and `utility_credential_id`).",
    )


class SessionStarted(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "session_token": "glcs_sandbox_...",
                    "host_origin": "https://app.acme.example",
                    "session": SessionOut.model_config["json_schema_extra"]["examples"][0],  # type: ignore[index]
                }
            ]
        }
    )

    session_token: str = Field(description="Send as `Authorization: Bearer` on every later call.")
    session: SessionOut
    host_origin: str | None = Field(
        default=None,
        description="Frame tickets only: post every message to exactly this origin, and accept "
        "messages only from it.",
    )


class ConsentIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"consent_version": "2026-11-01"}]}
    )

    # The service checks it and answers a stale version with a message saying what to do; the
    # document says the one value it accepts.
    consent_version: str = Field(
        max_length=20,
        description="The session's consent_version: the consent text the end user was shown.",
        json_schema_extra={"const": CONSENT_VERSION},
    )


class UtilityChoice(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"utility_id": "sandbox_electric"}]}
    )

    utility_id: str = Field(max_length=100)
