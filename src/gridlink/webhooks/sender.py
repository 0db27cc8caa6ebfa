"""One HTTP attempt: sign the event, POST it, and say what happened. No database here."""

from __future__ import annotations

import asyncio
import ssl
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx

from gridlink.events.schemas import EventOut
from gridlink.events.types import EventType
from gridlink.kit.clock import Clock
from gridlink.kit.keyring import Ring
from gridlink.kit.tokens import ENVIRONMENTS
from gridlink.webhooks.delivery_repository import ClaimedDelivery
from gridlink.webhooks.schedule import RETRY_AFTER_STATUSES, parse_retry_after
from gridlink.webhooks.sealing import open_secret
from gridlink.webhooks.signing import webhook_headers
from gridlink.webhooks.targets import Targets, UnsafeTarget, guarded_client

USER_AGENT = "Gridlink-Webhooks/1"
MAX_RESPONSE_BYTES = 64 * 1024  # read (then drop) this much, so the connection can be reused


@dataclass(frozen=True)
class AttemptResult:
    delivery: ClaimedDelivery
    attempted_at: datetime
    status_code: int | None
    duration_ms: int
    error: str | None
    retry_after: timedelta | None = None

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def gone(self) -> bool:
        return self.status_code == 410


def event_body(delivery: ClaimedDelivery) -> bytes:
    """The request body: the event exactly as ``GET /v1/events/{id}`` returns it."""
    event = EventOut(
        id=delivery.event_id,
        type=EventType(delivery.event_type),
        created_at=delivery.event_created_at,
        data=delivery.event_data,
    )
    return event.model_dump_json().encode()


class Sender:
    def __init__(
        self,
        clock: Clock,
        keyring: Ring,
        targets: Targets,
        *,
        timeout_seconds: float,
        max_connections: int,
    ) -> None:
        self.clock = clock
        self.keyring = keyring
        self.timeout_seconds = timeout_seconds
        # A worker never has more than max_connections requests in flight, so a request never
        # waits for a connection (time the timeout would count against the receiver).
        self._clients = {
            environment: guarded_client(
                targets.policy(environment),
                targets.resolver,
                timeout=timeout_seconds,
                max_connections=max_connections,
            )
            for environment in ENVIRONMENTS
        }

    def signing_secrets(self, delivery: ClaimedDelivery) -> list[str]:
        """The current secret, plus the previous one while its rotation overlap lasts."""
        open_ = [delivery.secret_sealed]
        expires = delivery.previous_secret_expires_at
        if delivery.previous_secret_sealed is not None and expires and expires > self.clock.now():
            open_.append(delivery.previous_secret_sealed)
        return [
            open_secret(self.keyring, delivery.client_id, delivery.endpoint_id, sealed)
            for sealed in open_
        ]

    async def send(self, delivery: ClaimedDelivery) -> AttemptResult:
        now = self.clock.now()
        body = event_body(delivery)
        headers = webhook_headers(
            self.signing_secrets(delivery), delivery.event_id, int(now.timestamp()), body
        )
        headers |= {"content-type": "application/json", "user-agent": USER_AGENT}
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self.timeout_seconds):
                code, retry_after = await self._post(delivery, headers, body)
        except Exception as exc:  # every failure is an outcome to record, never a crash
            return AttemptResult(delivery, now, None, _ms_since(started), describe_error(exc))
        error = describe_status(code)
        return AttemptResult(delivery, now, code, _ms_since(started), error, retry_after)

    async def _post(
        self, delivery: ClaimedDelivery, headers: dict[str, str], body: bytes
    ) -> tuple[int, timedelta | None]:
        client = self._clients[delivery.environment]
        async with client.stream("POST", delivery.url, headers=headers, content=body) as response:
            received = 0
            async for chunk in response.aiter_raw():
                received += len(chunk)
                if received > MAX_RESPONSE_BYTES:
                    break
            retry_after = None
            if response.status_code in RETRY_AFTER_STATUSES:
                retry_after = parse_retry_after(
                    response.headers.get("retry-after"), self.clock.now()
                )
            return response.status_code, retry_after

    async def aclose(self) -> None:
        for client in self._clients.values():
            await client.aclose()


def _ms_since(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)


# The reasons an attempt failed, as the deliveries log shows them. Deliberately coarse: a client
# picks the URL, so a finer reason ("ProtocolError", "connection refused", "reset") would tell it
# what listens at an address (a port scanner). What an integrator needs stays: the guard's
# refusal, no connection or no HTTP answer, a timeout, a TLS problem, the HTTP status.
CONNECTION_FAILED = "connection failed (no HTTP answer from the receiver)"
TIMED_OUT = "timed out (no complete answer within the timeout)"
TLS_FAILED = "TLS error (the receiver's certificate or TLS handshake was not accepted)"


def describe_status(code: int) -> str | None:
    return None if 200 <= code < 300 else f"the receiver answered HTTP {code}"


def describe_error(exc: BaseException) -> str:
    """A short reason for the deliveries log. Never the URL: it may carry the client's token."""
    if isinstance(exc, UnsafeTarget):
        return f"refused: {exc}"[:300]
    if isinstance(exc, TimeoutError | httpx.TimeoutException):
        return TIMED_OUT
    if _caused_by_tls(exc):
        return TLS_FAILED
    if isinstance(exc, httpx.TransportError):
        return CONNECTION_FAILED
    return f"delivery error: {type(exc).__name__}"


def _caused_by_tls(exc: BaseException) -> bool:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, ssl.SSLError | ssl.CertificateError):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False
