"""The HTTP boundary between the smart_meter_texas library and SMT: pace, then judge.

The library reads few statuses. At sign-in it knows 400 (wrong password) and 403 (locked
out for a while). Elsewhere a 401 makes it retry the request without end: ``Client.request``
retries on its own "token expired" exception with no stop, and its token check still holds
the rejected token valid for 15 minutes, so it never signs in again. Every other answer, a
403 or a 502 included, goes to its JSON parser.

So the library does not get the aiohttp session itself but ``GuardedHttp``, which has the one
method the library calls (``request``). Each request first waits its turn on the session's
``Pacer``; then SMT's answer is judged before the library sees it:

- 403 or 429, from any SMT address → ``Throttled`` (``Retry-After``, or one hour);
- 401 from the data API → ``TokenRejected`` (the session signs in once more, see
  :mod:`.connector`);
- 5xx → ``TemporarilyUnavailable`` (with ``Retry-After`` when given).

Anything else (200s, the sign-in's 400) reaches the library as it came.
"""

from __future__ import annotations

from typing import Any

import aiohttp
from smart_meter_texas.const import BASE_ENDPOINT

from gridlink.connectors.errors import ConnectorError, TemporarilyUnavailable
from gridlink.connectors.library_support import retry_after
from gridlink.connectors.pacing import Pacer
from gridlink.connectors.smart_meter_texas.errors import Throttled, TokenRejected
from gridlink.kit.clock import Clock

THROTTLING = frozenset({403, 429})


class GuardedHttp:
    """What the library's ``Client`` gets as its ``websession``."""

    def __init__(self, http: aiohttp.ClientSession, pacer: Pacer, clock: Clock) -> None:
        self.http = http
        self._pacer = pacer
        self._clock = clock

    async def request(self, method: str, url: str, **options: Any) -> aiohttp.ClientResponse:
        await self._pacer.wait()
        response = await self.http.request(method, url, **options)
        refusal = self.judge(response, url)
        if refusal is not None:
            response.release()
            raise refusal
        return response

    def judge(self, response: aiohttp.ClientResponse, url: str) -> ConnectorError | None:
        status = response.status
        if status in THROTTLING:
            return Throttled(retry_after(response, self._clock.now()))
        if status == 401 and url.startswith(BASE_ENDPOINT + "/"):
            return TokenRejected()
        if status >= 500:
            return TemporarilyUnavailable(retry_after=retry_after(response, self._clock.now()))
        return None
