"""The local Green Button Data Custodian: :func:`create_custodian` builds one.

One custodian is a Starlette app (OAuth authorization server, ESPI resource server, consent
page, /manage portal) plus the handles a test needs: send a notification, revoke as the
customer, list authorizations. Its state is in memory (see :mod:`.state` for why).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime

from authlib.common.security import is_secure_transport  # type: ignore[import-untyped]
from starlette.applications import Starlette

from gridlink.greenbutton.custodian import espi_routes, manage_routes, oauth_routes
from gridlink.greenbutton.custodian.antiforgery import AntiForgery
from gridlink.greenbutton.custodian.context import Context
from gridlink.greenbutton.custodian.feeds import Feeds
from gridlink.greenbutton.custodian.notify import Delivery, deliver
from gridlink.greenbutton.custodian.oauth import CustodianServer
from gridlink.greenbutton.custodian.state import Authorization, Registration, Store
from gridlink.greenbutton.custodian.uris import Uris


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Custodian:
    """A running custodian's handles. ``app`` is mountable: ``api.mount(prefix, c.app)``
    with ``base_url`` ending in that prefix."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx
        self.base_url = ctx.uris.base
        self.app = Starlette(
            routes=[
                *oauth_routes.routes(ctx),
                *espi_routes.routes(ctx),
                *manage_routes.routes(ctx, self.notify),
            ]
        )

    async def notify(self, client_id: str, resource_uris: Sequence[str] | None = None) -> Delivery:
        """POST a BatchList to the registration's notify URI: ``resource_uris``, or the
        Batch/Subscription URI of each of the client's active authorizations. Never raises
        for a refused delivery; an unknown ``client_id`` is a KeyError."""
        registration = self._ctx.store.registration(client_id)
        if registration is None:
            raise KeyError(client_id)
        if resource_uris is None:
            resource_uris = [
                self._ctx.uris.subscription_batch(a.subscription_id)
                for a in self._ctx.store.authorizations(client_id)
                if a.active
            ]
        return await deliver(registration.notify_uri, resource_uris)

    def revoke_authorization(self, authorization_id: str) -> Authorization:
        """The retail customer revokes at the utility: the authorization's tokens stop working
        at once and its refresh token becomes ``invalid_grant``."""
        return self._ctx.store.revoke_authorization(authorization_id)

    def tokens_issued(self, authorization_id: str) -> int:
        """How many token answers the authorization got: 1 after the code exchange, one more
        per refresh."""
        return self._ctx.store.tokens_issued(authorization_id)

    def authorizations(self) -> list[Authorization]:
        """Every authorization (``id``, ``status``, ``customer_id``, ``subscription_id``...)."""
        return self._ctx.store.authorizations()


def create_custodian(
    *,
    base_url: str,
    registrations: Iterable[Registration],
    feeds: Feeds,
    now: Callable[[], datetime] = _utc_now,
    require_pkce: bool = False,
    access_token_seconds: int = 3600,
) -> Custodian:
    if not is_secure_transport(base_url):
        # Authlib would refuse every OAuth request later; say so now, in words.
        raise ValueError(
            f"base_url {base_url!r} must be https, or http on localhost or a loopback address"
        )
    uris = Uris(base_url)
    store = Store(registrations, now)
    server = CustodianServer(
        store, uris, access_token_seconds=access_token_seconds, require_pkce=require_pkce
    )
    ctx = Context(
        store=store, server=server, feeds=feeds, uris=uris, forgery=AntiForgery(), now=now
    )
    return Custodian(ctx)
