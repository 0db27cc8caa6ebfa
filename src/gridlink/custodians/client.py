"""Gridlink's side of Connect My Data against one Data Custodian, over Authlib's OAuth 2.0
client (on httpx): the authorization URL (PKCE S256), the code exchange, the refresh (which
rotates the refresh token at most custodians) and the subscription feed by published window.

Errors are connector errors named by their reaction (connectors/errors.py), so attempts and
syncs treat a custodian like any utility: ``invalid_grant`` or a 401/403 on the feed after a
fresh token is a revoked authorization; 5xx, 429 and network errors are worth retrying later.
Nothing here logs or raises with a token, code or secret in its text.
"""

from __future__ import annotations

import ssl
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from gridlink.connectors.errors import (
    AuthorizationRevoked,
    TemporarilyUnavailable,
    UtilityTimeout,
)
from gridlink.custodians.tokens import TokenAnswerInvalid, TokenSet
from gridlink.kit.clock import Clock

with warnings.catch_warnings():
    # Authlib 1.6+ prefers the httpx2 fork and warns once when it runs on httpx, which this
    # project pins; the integration is the same code either way.
    warnings.simplefilter("ignore")
    from authlib.integrations.base_client import OAuthError  # type: ignore[import-untyped]
    from authlib.integrations.httpx_client import (  # type: ignore[import-untyped]
        AsyncOAuth2Client,
    )
    from authlib.oauth2.rfc6749.parameters import (  # type: ignore[import-untyped]
        prepare_grant_uri,
    )
    from authlib.oauth2.rfc7636 import (  # type: ignore[import-untyped]
        create_s256_code_challenge,
    )

TIMEOUT = httpx.Timeout(20.0, connect=10.0)
# A subscription feed is at most this many bytes (a year of 15-minute readings of a few meters
# is ~30 MB of XML); a larger answer is refused rather than held in memory.
MAX_FEED_BYTES = 64 * 1024 * 1024
ATOM = "application/atom+xml"


class FeedTooLarge(TemporarilyUnavailable):
    default_message = "The utility sent more data at once than Gridlink accepts; trying later."


@dataclass(frozen=True)
class CustodianConfig:
    """What the operator registered (models.GreenButtonCustodian), with the opened secret."""

    oauth_client_id: str
    client_secret: str | None
    authorization_endpoint: str
    token_endpoint: str
    resource_endpoint: str
    scope: str
    pkce: bool = True
    client_cert_file: str | None = None
    client_key_file: str | None = None

    def __repr__(self) -> str:  # never the secret
        return f"CustodianConfig({self.oauth_client_id!r}, {self.token_endpoint!r})"

    def owns(self, uri: str) -> bool:
        """Whether ``uri`` is under the resource endpoint: only there do our tokens go."""
        base = self.resource_endpoint.rstrip("/") + "/"
        return uri.startswith(base) and "/../" not in uri[len(base) - 1 :]


def authorization_url(config: CustodianConfig, redirect_uri: str, state: str, verifier: str) -> str:
    """Where the end user approves sharing (RFC 6749 §4.1.1, with RFC 7636's S256 challenge).
    Needs no secret and no connection: an API process makes it."""
    pkce = (
        {"code_challenge": create_s256_code_challenge(verifier), "code_challenge_method": "S256"}
        if config.pkce
        else {}
    )
    url: str = prepare_grant_uri(
        config.authorization_endpoint,
        config.oauth_client_id,
        "code",
        redirect_uri=redirect_uri,
        scope=config.scope,
        state=state,
        **pkce,
    )
    return url


class CustodianClient:
    def __init__(self, config: CustodianConfig, clock: Clock, oauth: AsyncOAuth2Client) -> None:
        self.config, self.clock, self.oauth = config, clock, oauth

    async def exchange(self, code: str, verifier: str | None, redirect_uri: str) -> TokenSet:
        extra: dict[str, Any] = {"code_verifier": verifier} if verifier else {}
        answer = await self._token_call(
            self.oauth.fetch_token(
                self.config.token_endpoint,
                grant_type="authorization_code",
                code=code,
                redirect_uri=redirect_uri,
                **extra,
            )
        )
        tokens = self._tokens(answer)
        if tokens.resource_uri is None or not self.config.owns(tokens.resource_uri):
            raise AuthorizationRevoked(
                "The utility's answer named no data we may read. Try connecting again."
            )
        return tokens

    async def refresh(self, tokens: TokenSet) -> TokenSet:
        if tokens.refresh_token is None:
            raise AuthorizationRevoked()
        answer = await self._token_call(
            self.oauth.refresh_token(self.config.token_endpoint, refresh_token=tokens.refresh_token)
        )
        fresh = self._tokens(answer)
        # A custodian that does not rotate sends no new refresh token: keep the one we have.
        return TokenSet(
            fresh.access_token,
            fresh.refresh_token or tokens.refresh_token,
            fresh.expires_at,
            fresh.resource_uri,
            fresh.authorization_uri,
        )

    async def feed(
        self, uri: str, tokens: TokenSet, published_min: datetime | None, published_max: datetime
    ) -> bytes:
        """The subscription's entries published in [min, max): one Atom document."""
        if not self.config.owns(uri):
            raise AuthorizationRevoked("The stored subscription is not at this utility.")
        params = {"published-max": _espi_time(published_max)}
        if published_min is not None:
            params["published-min"] = _espi_time(published_min)
        headers = {"Authorization": f"Bearer {tokens.access_token}", "Accept": ATOM}
        try:
            # Our header, not Authlib's token handling: the tokens live in the vault, per call.
            stream = self.oauth.stream(
                "GET", uri, params=params, headers=headers, withhold_token=True
            )
            async with stream as answer:
                if answer.status_code in (401, 403):
                    raise AuthorizationRevoked()
                _raise_for_status(answer.status_code)
                body = bytearray()
                async for piece in answer.aiter_bytes():
                    body += piece
                    if len(body) > MAX_FEED_BYTES:
                        raise FeedTooLarge()
                return bytes(body)
        except httpx.TimeoutException:
            raise UtilityTimeout() from None
        except httpx.TransportError:
            raise TemporarilyUnavailable() from None

    async def _token_call(self, call: Any) -> dict[str, Any]:
        try:
            answer = await call
        except OAuthError as error:
            if error.error in ("invalid_grant", "unauthorized_client", "access_denied"):
                raise AuthorizationRevoked() from None
            raise TemporarilyUnavailable() from None
        except httpx.TimeoutException:
            raise UtilityTimeout() from None
        except httpx.HTTPError:
            raise TemporarilyUnavailable() from None
        except ValueError:  # not JSON (an HTML error page from a proxy)
            raise TemporarilyUnavailable() from None
        return dict(answer)

    def _tokens(self, answer: dict[str, Any]) -> TokenSet:
        try:
            return TokenSet.from_answer(answer, self.clock.now())
        except TokenAnswerInvalid:
            raise TemporarilyUnavailable() from None


@asynccontextmanager
async def open_client(config: CustodianConfig, clock: Clock) -> AsyncIterator[CustodianClient]:
    oauth = AsyncOAuth2Client(
        client_id=config.oauth_client_id,
        client_secret=config.client_secret,
        token_endpoint_auth_method="client_secret_basic" if config.client_secret else "none",
        scope=config.scope,
        timeout=TIMEOUT,
        verify=_tls(config),
        follow_redirects=False,
    )
    async with oauth:
        yield CustodianClient(config, clock, oauth)


def _tls(config: CustodianConfig) -> ssl.SSLContext | bool:
    """httpx's own verification (certifi, or SSL_CERT_FILE/SSL_CERT_DIR), plus the operator's
    client certificate and key for mutual TLS (PG&E requires it), read on each use."""
    if config.client_cert_file is None:
        return True
    context = httpx.create_ssl_context()
    context.load_cert_chain(config.client_cert_file, config.client_key_file)
    return context


def _raise_for_status(status: int) -> None:
    if status == 429 or status >= 500:
        raise TemporarilyUnavailable()
    if status >= 400:
        # 400/404 for our own request: a bug on one side; retry later rather than drop the link.
        raise TemporarilyUnavailable(f"The utility refused the data request ({status}).")


def _espi_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
