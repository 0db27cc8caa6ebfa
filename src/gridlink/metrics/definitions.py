"""Every metric Gridlink exposes, in one place (ADR 0023): its name, unit, help and labels.

Rules every metric here keeps, so the exposition stays small and tells nothing it must not:
- names start with ``gridlink_`` and end with their unit (``_seconds``, ``_total``,
  ``_connections``);
- labels have bounded values only: a route *template*, an HTTP method and status class, a
  utility id, a webhook endpoint id, an outcome code, a queue or loop name. Never a client
  secret, a token, a user or credential id, a raw path or an error message;
- counted in this process: each process (API or worker) is scraped on its own and Prometheus
  adds them up. The database facts (queues) are the same from every process: aggregate them
  with ``max``, not ``sum``.

Counters and histograms are registered in ``REGISTRY`` (this module's own, not the library's
global one, so a library's metrics never mix in unasked); the facts read at scrape time (the
database pool, the queues, the worker loops) are built per scrape by ``metrics/exposition.py``
with the names below.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar

from prometheus_client import (
    CollectorRegistry,
    Counter,
    GCCollector,
    Histogram,
    Info,
    PlatformCollector,
    ProcessCollector,
    disable_created_metrics,
)

from gridlink import __version__

# A `_created` series per counter doubles the exposition for a timestamp nobody graphs.
disable_created_metrics()  # type: ignore[no-untyped-call]  # the library leaves it untyped

REGISTRY = CollectorRegistry()
ProcessCollector(registry=REGISTRY)  # CPU, memory, open files of this process
PlatformCollector(registry=REGISTRY)
GCCollector(registry=REGISTRY)

BUILD = Info("gridlink_build", "The Gridlink version this process runs.", registry=REGISTRY)
BUILD.info({"version": __version__})

# -- HTTP ---------------------------------------------------------------------------------

# Long-polls (attempt status, event tail) legitimately last up to half a minute.
HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
HTTP_REQUESTS = Histogram(
    "gridlink_http_request_duration_seconds",
    "HTTP requests by route template, method and status class; the _count is the request rate.",
    ["route", "method", "status_class"],
    buckets=HTTP_BUCKETS,
    registry=REGISTRY,
)

# -- Sign-ins (connection attempts) -------------------------------------------------------

SIGN_INS = Counter(
    "gridlink_sign_ins_total",
    "Connection attempts that ended, by utility, outcome (the attempt's final status) and "
    "status detail code (empty when none).",
    ["utility_id", "outcome", "detail"],
    registry=REGISTRY,
)
# From queued to the outcome: what the end user waited, MFA input included.
SIGN_IN_BUCKETS = (0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0)
SIGN_IN_DURATION = Histogram(
    "gridlink_sign_in_duration_seconds",
    "Time from a connection attempt's creation to its outcome, by utility and outcome.",
    ["utility_id", "outcome"],
    buckets=SIGN_IN_BUCKETS,
    registry=REGISTRY,
)

# -- Leases ---------------------------------------------------------------------------------

LEASE_EXPIRIES = Counter(
    "gridlink_lease_expiries_total",
    "Leased work found with its lease expired (its worker died or hung) and taken over: "
    "attempts ended as interrupted, syncs resumed from their checkpoint.",
    ["queue"],
    registry=REGISTRY,
)

# -- Webhooks -------------------------------------------------------------------------------

WEBHOOK_ATTEMPTS = Counter(
    "gridlink_webhook_attempts_total",
    "Webhook HTTP attempts by endpoint and result (succeeded: a 2xx answer; failed: "
    "anything else, including no answer).",
    ["webhook_endpoint_id", "result"],
    registry=REGISTRY,
)
WEBHOOK_GAVE_UP = Counter(
    "gridlink_webhook_deliveries_failed_total",
    "Webhook deliveries that ended failed (retries exhausted, endpoint gone or disabled).",
    ["webhook_endpoint_id"],
    registry=REGISTRY,
)
# Retries back off over days: the buckets reach that far.
LAG_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 1800.0, 3600.0, 86400.0)
WEBHOOK_LAG = Histogram(
    "gridlink_webhook_delivery_lag_seconds",
    "From an event's creation (when its deliveries first came due) to its successful delivery.",
    buckets=LAG_BUCKETS,
    registry=REGISTRY,
)

# -- The vault ------------------------------------------------------------------------------

VAULT_OPERATIONS = Counter(
    "gridlink_vault_operations_total",
    "Vault operations by kind (seal, open, shred) and result (ok, missing, error).",
    ["operation", "result"],
    registry=REGISTRY,
)

P = ParamSpec("P")
R = TypeVar("R")


def vault_operation(
    operation: str, *, missing: type[Exception] | None = None
) -> Callable[[Callable[P, Awaitable[R]]], Callable[P, Awaitable[R]]]:
    """Count each call of the decorated vault method by its result: ``ok``, ``missing`` (it
    raised ``missing``: nothing sealed there, an answer some callers expect, such as the
    optional session token) or ``error`` (a key not configured, a value that does not
    authenticate)."""

    def decorate(method: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
        @functools.wraps(method)
        async def counted(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                result = await method(*args, **kwargs)
            except Exception as error:
                absent = missing is not None and isinstance(error, missing)
                VAULT_OPERATIONS.labels(operation, "missing" if absent else "error").inc()
                raise
            VAULT_OPERATIONS.labels(operation, "ok").inc()
            return result

        return counted

    return decorate


# -- Read at scrape time (metrics/exposition.py) --------------------------------------------

QUEUE_DEPTH = "gridlink_queue_depth"
QUEUE_DEPTH_HELP = (
    "Work waiting past its due time: queued attempts, due syncs (and syncs whose lease "
    "expired), due webhook deliveries. The same in every process: aggregate with max."
)
QUEUE_AGE = "gridlink_queue_oldest_age_seconds"
QUEUE_AGE_HELP = "How long the oldest waiting item of each queue has been due (0 when empty)."
POOL_CHECKED_OUT = "gridlink_db_pool_checked_out_connections"
POOL_SIZE = "gridlink_db_pool_size_connections"
POOL_OVERFLOW = "gridlink_db_pool_overflow_connections"
LOOP_UP = "gridlink_worker_loop_up"
LOOP_AGE = "gridlink_worker_loop_heartbeat_age_seconds"
LOOP_CRASHES = "gridlink_worker_loop_crashes_total"

# -- Label values ---------------------------------------------------------------------------

_CODE = re.compile(r"[A-Za-z0-9_.:-]{1,64}")


def bounded(value: str | None, *, other: str = "other") -> str:
    """A label value from an id or code we minted or declared (a utility id, a status detail):
    kept as it is when it looks like one, else ``other``, so a malformed value can neither
    break the exposition nor grow the label set without bound."""
    if not value:
        return ""
    return value if _CODE.fullmatch(value) else other
