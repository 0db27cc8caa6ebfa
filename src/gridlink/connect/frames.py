"""Frame tickets: how a framed Connect UI gets its session without a token in a URL it sends.

A connect token (from the loader, in a POST body) or a client's backend (bare-iframe mode) opens
a session for one host origin and gets a single-use, 5-minute frame ticket. The ticket travels
only in the frame URL's fragment, which browsers never send to a server or in ``Referer``; the
frame trades it at once for the session bearer.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote, urlsplit

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request

from gridlink.auth.service import AuthenticatedClient
from gridlink.connect import sessions
from gridlink.connect.repository import ClientView, ConnectSessionRepository
from gridlink.connect.schemas import ConnectTokenRequest
from gridlink.connect.service import create_connect_token
from gridlink.connect.widget_schemas import WidgetUrlRequest
from gridlink.errors import Forbidden, InvalidRequest, TokenInvalid
from gridlink.kit import tokens
from gridlink.kit.clock import Clock
from gridlink.models import ConnectSession

FRAME_PATH = "/connect/frame"
TICKET_TTL = timedelta(minutes=5)
TICKET_REFUSED = (
    "This frame ticket cannot be used: it is unknown, expired or already used. Close Connect "
    "and open it again from the app."
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FrameTicket:
    url: str
    expires_at: datetime
    session_id: str
    language: str | None


@dataclass(frozen=True)
class OpenedFrame:
    """The loader's answer: the frame, and what its loading card shows before the frame is ready
    (the session's language, the client's name and accent colour)."""

    ticket: FrameTicket
    client: ClientView


def frame_url(
    public_url: str,
    client_id: str,
    ticket: str,
    *,
    bare: bool = False,
    language: str | None = None,
    dashboard: bool = False,
) -> str:
    """``?client=`` lets the server pick frame-ancestors; the ticket stays in the fragment.
    ``&embed=bare`` marks a URL from POST /v1/widget_url: the page then speaks the bare-iframe
    messages instead of the loader's (in the query, so a reload keeps it). ``&lang=`` is the
    session's language, so the page speaks it before the session is traded. ``&via=dashboard``
    lets this server's own pages frame it too (the operator dashboard)."""
    embed = "&embed=bare" if bare else ""
    embed += "&via=dashboard" if dashboard else ""
    lang = f"&lang={quote(language, safe='')}" if language else ""
    return f"{public_url.rstrip('/')}{FRAME_PATH}?client={client_id}{embed}{lang}#ticket={ticket}"


def own_origins(request: Request, public_url: str) -> frozenset[str]:
    """This server's origins: its public URL's, and the one the request was sent to (a browser
    reaches a local server as 127.0.0.1 or localhost alike)."""
    public = urlsplit(public_url)
    here = f"{request.url.scheme}://{request.headers.get('host', '')}"
    return frozenset({f"{public.scheme}://{public.netloc}", here})


def origin_refused(origin: str | None, client_id: str = "CLIENT_ID") -> Forbidden:
    shown = repr(origin) if origin else "(no Origin header)"
    return Forbidden(
        f"The origin {shown} is not registered for this client. Register it with "
        f"`gridlink clients update {client_id} --add-origin https://your.app.example` (scheme, "
        "host and port, exactly as the browser sends it)."
    )


def _issue(row: ConnectSession, now: datetime, environment: str, host_origin: str) -> str:
    ticket = tokens.generate(tokens.TokenKind.WIDGET_TOKEN, environment)
    row.ticket_hash = tokens.digest(ticket)
    row.ticket_expires_at = now + TICKET_TTL
    row.ticket_used_at = None
    row.host_origin = host_origin
    return ticket


async def open_frame(
    session: AsyncSession,
    clock: Clock,
    public_url: str,
    connect_token: str,
    origin: str | None,
    own_origins: frozenset[str] = frozenset(),
) -> OpenedFrame:
    """Open a session with a connect token and issue its frame ticket, if ``origin`` is
    registered — or, for a token an operator made in the dashboard, if it is one of this
    server's ``own_origins`` (where the dashboard is served)."""
    environment = tokens.parse(connect_token, tokens.TokenKind.CONNECT_TOKEN)
    row, _bearer = await sessions.open_from_token(session, clock, connect_token)
    assert environment is not None  # open_from_token refused malformed tokens
    repo = ConnectSessionRepository(session)
    origins = await repo.client_origins(row.client_id) or []
    dashboard = (
        origin is not None
        and origin in own_origins
        and row.connect_token_id is not None
        and await repo.made_by_operator(row.connect_token_id)
    )
    if origin is None or (origin not in origins and not dashboard):
        # The request rolls back: the token stays usable.
        raise origin_refused(origin, row.client_id)
    ticket = _ticket_for(row, clock.now(), environment, public_url, origin, dashboard=dashboard)
    return await _with_client(session, ticket, row.client_id)


async def _with_client(session: AsyncSession, ticket: FrameTicket, client_id: str) -> OpenedFrame:
    client = await ConnectSessionRepository(session).client_view(client_id)
    assert client is not None  # the session's client: rows are never deleted under it
    return OpenedFrame(ticket, client)


def _ticket_for(
    row: ConnectSession,
    now: datetime,
    environment: str,
    public_url: str,
    origin: str,
    *,
    bare: bool = False,
    dashboard: bool = False,
) -> FrameTicket:
    ticket = _issue(row, now, environment, origin)
    assert row.ticket_expires_at is not None
    log.info(
        "frame ticket issued",
        extra={"connect_session_id": row.id, "client_id": row.client_id, "host_origin": origin},
    )
    url = frame_url(
        public_url, row.client_id, ticket, bare=bare, language=row.language, dashboard=dashboard
    )
    return FrameTicket(url, row.ticket_expires_at, row.id, row.language)


async def widget_url(
    session: AsyncSession,
    clock: Clock,
    public_url: str,
    client: AuthenticatedClient,
    body: WidgetUrlRequest,
) -> FrameTicket:
    """Bare-iframe mode: a frame URL for ``target_origin``, made by the client's backend."""
    if body.target_origin not in client.allowed_origins:
        raise InvalidRequest(
            "target_origin must exactly match an origin registered for this client (scheme, "
            "host and port, no path or trailing slash); register it with "
            f"`gridlink clients update {client.id} --add-origin`.",
            fields=["target_origin"],
        )
    request = ConnectTokenRequest(
        client_user_id=body.client_user_id,
        utility_credential_id=body.utility_credential_id,
        utility_id=body.utility_id,
        products=body.products,
        language=body.language,
    )
    created = await create_connect_token(session, clock, client, request)
    row, _bearer = await sessions.open_from_token(session, clock, created.connect_token)
    return _ticket_for(
        row, clock.now(), client.environment, public_url, body.target_origin, bare=True
    )


async def open_from_ticket(
    session: AsyncSession, clock: Clock, ticket: str
) -> tuple[ConnectSession, str]:
    """Trade a frame ticket (once, within 5 minutes) for the session and a fresh bearer."""
    presented = tokens.present(ticket, tokens.TokenKind.WIDGET_TOKEN)
    environment = presented.environment
    row = await ConnectSessionRepository(session).claim_ticket(presented.digest, clock.now())
    if row is None or environment is None or row.closed_at is not None:
        raise TokenInvalid(TICKET_REFUSED)
    # The bearer minted when the session opened was never handed out; mint the one we give.
    bearer = tokens.generate(tokens.TokenKind.CONNECT_SESSION, environment)
    row.session_hash = tokens.digest(bearer)
    return row, bearer


# Only plain origins go into a header: a stored value with a space or ';' could add directives.
_PLAIN_ORIGIN = re.compile(r"https?://[A-Za-z0-9.-]+(?::[0-9]{1,5})?")


@dataclass(frozen=True)
class PagePolicy:
    """What the Connect page's CSP allows for a client: who may frame it, where its logo is."""

    ancestors: list[str]
    image_origins: list[str]


async def page_policy(session: AsyncSession, client_id: str | None) -> PagePolicy:
    """Unknown or missing client: framed by nobody, images from this server only."""
    page = None
    if client_id:
        page = await ConnectSessionRepository(session).client_page(client_id[:40])
    if page is None:
        return PagePolicy([], [])
    origins, logo_url = page
    logo = _origin_of(logo_url) if logo_url else None
    return PagePolicy(
        [origin for origin in origins if _PLAIN_ORIGIN.fullmatch(origin)],
        [logo] if logo else [],
    )


def _origin_of(url: str) -> str | None:
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}"
    return origin if _PLAIN_ORIGIN.fullmatch(origin) else None


def frame_csp(ancestors: list[str], image_origins: list[str] | None = None) -> str:
    """No inline script or style attribute; images from here and the client's logo host."""
    allowed = " ".join(ancestors) if ancestors else "'none'"
    images = " ".join(["'self'", *(image_origins or [])])
    return (
        "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; "
        f"img-src {images}; frame-ancestors {allowed}"
    )
