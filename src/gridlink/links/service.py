"""Connect links: a URL an end user opens to repair one credential (update mode only).

A link is valid 72 hours (real time: a sandbox clock does not shorten it), dead once used
successfully or revoked, and stored only as the SHA-256 of its token. The token travels in the
URL's fragment (``/connect/link?client=<client id>#token=...``), which browsers never send to a
server, so it cannot end up in an access log or a ``Referer`` header; the Connect page reads it,
removes it from the address bar and trades it for a session.

The engine calls ``find_usable_link`` when the page presents a token and ``mark_link_used``
in the transaction that records the repaired credential. A link opens Connect again until it
is used, revoked or expired; revoking it ends the sessions it opened at once (their next call
is refused and a sign-in running in them does not verify).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.auth.service import AuthenticatedClient
from gridlink.connect.repository import ConnectSessionRepository
from gridlink.credentials.service import find_credential_id
from gridlink.errors import InvalidRequest
from gridlink.kit import tokens
from gridlink.kit.clock import Clock
from gridlink.kit.ids import looks_like_id, new_id
from gridlink.kit.pagination import Page, PageParams, build_page
from gridlink.links.repository import ConnectLinkRepository
from gridlink.links.schemas import ConnectLinkCreated, ConnectLinkOut, LinkStatus
from gridlink.models import ConnectLink

CONNECT_LINK_TTL = timedelta(hours=72)
LINK_PATH = "/connect/link"
LINK_REVOKED = "link_revoked"  # ConnectSession.end_reason


def link_status(link: ConnectLink, now: datetime) -> LinkStatus:
    if link.used_at is not None:
        return "used"
    if link.revoked_at is not None:
        return "revoked"
    if link.expires_at <= now:
        return "expired"
    return "active"


def link_url(public_url: str, client_id: str, token: str) -> str:
    """``?client=`` lets the page's CSP allow the client's logo; the token stays in the fragment."""
    return f"{public_url.rstrip('/')}{LINK_PATH}?client={client_id}#token={token}"


async def create_link(
    session: AsyncSession,
    clock: Clock,
    public_url: str,
    client: AuthenticatedClient,
    credential_id: str,
    redirect_uri: str | None = None,
) -> ConnectLinkCreated:
    if redirect_uri is not None and redirect_uri not in client.redirect_uris:
        raise InvalidRequest(
            "redirect_uri must exactly match one registered for this client (register it with "
            f"`gridlink clients update {client.id} --add-redirect-uri`).",
            fields=["redirect_uri"],
        )
    credential_id = await find_credential_id(session, client, credential_id)
    now = clock.now()
    token = tokens.generate(tokens.TokenKind.CONNECT_LINK, client.environment)
    link = ConnectLink(
        id=new_id("clk"),
        client_id=client.id,
        credential_id=credential_id,
        token_hash=tokens.digest(token),
        created_at=now,
        expires_at=now + CONNECT_LINK_TTL,
        redirect_uri=redirect_uri,
    )
    await ConnectLinkRepository(session).add(link)
    return ConnectLinkCreated(
        id=link.id, url=link_url(public_url, client.id, token), expires_at=link.expires_at
    )


async def list_links(
    session: AsyncSession,
    clock: Clock,
    client: AuthenticatedClient,
    credential_id: str,
    params: PageParams,
) -> Page[ConnectLinkOut]:
    credential_id = await find_credential_id(session, client, credential_id)
    links = await ConnectLinkRepository(session).page_for_credential(
        client.id, credential_id, params.after, params.limit
    )
    now = clock.now()
    items = [
        ConnectLinkOut(
            id=link.id,
            utility_credential_id=link.credential_id,
            status=link_status(link, now),
            created_at=link.created_at,
            expires_at=link.expires_at,
            used_at=link.used_at,
            redirect_uri=link.redirect_uri,
            revoked_at=link.revoked_at,
        )
        for link in links
    ]
    return build_page(items, [link.id for link in links], params.limit)


async def revoke_link(
    session: AsyncSession, clock: Clock, client: AuthenticatedClient, link_id: str
) -> None:
    """Idempotent: unknown, foreign, used and already revoked links change nothing. Revoking
    ends the sessions the link opened (the row lock taken by the UPDATE comes first, as in the
    success that would spend the link, so the two run one after the other)."""
    if not looks_like_id(link_id):
        return
    now = clock.now()
    if await ConnectLinkRepository(session).revoke(client.id, link_id, now):
        await ConnectSessionRepository(session).end(
            token_id=None, link_id=link_id, now=now, reason=LINK_REVOKED
        )


async def find_usable_link(
    session: AsyncSession, clock: Clock, token: str, *, lock: bool = False
) -> ConnectLink | None:
    """The link ``token`` opens, if it is well-formed, not used, not revoked and not expired;
    else None (the caller answers all of those alike; a malformed token is looked up too, so each
    costs the same query). ``link.client_id`` and ``link.credential_id`` say whose credential it
    repairs. ``lock``: hold its row until the transaction ends (opening a session from it)."""
    presented = tokens.present(token, tokens.TokenKind.CONNECT_LINK)
    link = await ConnectLinkRepository(session).usable_by_hash(
        presented.digest, clock.now(), lock=lock
    )
    return None if presented.environment is None else link


async def lock_link(session: AsyncSession, link_id: str) -> ConnectLink | None:
    return await ConnectLinkRepository(session).lock(link_id)


async def mark_link_used(session: AsyncSession, clock: Clock, link_id: str) -> bool:
    """Spend the link (after the end user repaired the credential with it). True if this call
    spent it; False if it was already used, revoked or expired (of two racing calls, one wins)."""
    return await ConnectLinkRepository(session).mark_used(link_id, clock.now())
