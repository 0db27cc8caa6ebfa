"""ESPI notification (FB_39, "push"): tell a third party that new data is ready.

The custodian POSTs an ``espi:BatchList`` naming the Batch/Subscription URIs to fetch, to the
registration's notify URI. A refused or slow delivery is an answer, not an exception: the
caller (a test, the /manage page) gets a :class:`Delivery` that says what happened.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import httpx

from gridlink.greenbutton.custodian.espi_writer import batch_list

TIMEOUT = httpx.Timeout(5.0, connect=2.0)


@dataclass(frozen=True, slots=True)
class Delivery:
    """``status_code`` is the third party's answer, None when nothing was delivered (then
    ``error`` says why: no notify URI, nothing to announce, connection refused, timeout)."""

    notify_uri: str | None
    resources: tuple[str, ...]
    status_code: int | None = None
    error: str | None = None

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


async def deliver(
    notify_uri: str | None,
    resources: Sequence[str],
    *,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Delivery:
    listed = tuple(resources)
    if not notify_uri:
        return Delivery(None, listed, error="the registration has no notify URI")
    if not listed:
        return Delivery(notify_uri, listed, error="no active authorization to announce")
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT, transport=transport) as client:
            response = await client.post(
                notify_uri,
                content=batch_list(listed),
                headers={"Content-Type": "application/atom+xml"},
            )
    except httpx.HTTPError as error:
        return Delivery(notify_uri, listed, error=f"{type(error).__name__}: not delivered")
    return Delivery(notify_uri, listed, status_code=response.status_code)
