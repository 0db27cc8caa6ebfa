"""Who may read ``/metrics``. Metrics say how much business a deployment does (sign-ins per
utility, webhook endpoints, request rates): not for the public.

- ``GRIDLINK_METRICS_TOKEN`` set: the scraper sends ``Authorization: Bearer <token>``,
  compared in constant time. Anyone else gets ``401``.
- Not set: only a caller on this machine (a loopback address), and only one that no proxy
  forwarded (no ``Forwarded``, ``X-Forwarded-For`` or ``X-Real-IP`` header). A reverse proxy on
  the same host connects from loopback too; without that last rule it would hand the metrics to
  the internet. Anyone else gets ``403``, told how to set a token.

Behind a trusted proxy (``GRIDLINK_TRUSTED_PROXIES``) uvicorn has already replaced the peer with
the client the proxy names, so the loopback check judges the real client; the forwarding
headers are still on the request, and a forwarded request is refused all the same. A client the
proxy calls loopback is the proxy's own host or a chain made up by the caller (when every hop is
trusted, uvicorn takes the left-most, which the caller wrote): neither is a reason to hand the
metrics out through the public edge. A scraper asks the process directly, or sends the token.
"""

from __future__ import annotations

import hmac

from pydantic import SecretStr
from starlette.requests import Request

from gridlink.config import is_loopback_host
from gridlink.errors import Forbidden, GridlinkError, Unauthorized

FORWARDING_HEADERS = ("forwarded", "x-forwarded-for", "x-real-ip")
BEARER = "bearer "


def refusal(request: Request, token: SecretStr | None) -> GridlinkError | None:
    """Why this caller may not read the metrics, or None if it may."""
    if token is not None and token.get_secret_value():
        sent = request.headers.get("authorization", "")
        given = sent[len(BEARER) :] if sent[: len(BEARER)].lower() == BEARER else ""
        expected = token.get_secret_value()
        if not hmac.compare_digest(given.encode(), expected.encode()):
            return Unauthorized(
                "Send the metrics token as `Authorization: Bearer <GRIDLINK_METRICS_TOKEN>`."
            )
        return None
    host = request.client.host if request.client is not None else ""
    forwarded = any(name in request.headers for name in FORWARDING_HEADERS)
    if not is_loopback_host(host) or forwarded:
        return Forbidden(
            "Metrics are served to callers on this machine only. To scrape from elsewhere, "
            "set GRIDLINK_METRICS_TOKEN and send it as `Authorization: Bearer <token>`."
        )
    return None
