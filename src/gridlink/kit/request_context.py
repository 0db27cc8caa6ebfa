"""What the code running now is doing, for logs and error bodies: the request id of the request
being served, and the ids of the background job being run.

Both live in context variables. asyncio gives every task its own copy of the context, so a
runner calls ``start_job`` at the top of the task that runs one job (an attempt, a sync, a
delivery) and every log line that task writes carries that job's ids; nothing leaks into the
loop that started it or into the next job.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar
from types import MappingProxyType

from gridlink.kit.ids import new_id

_request_id: ContextVar[str | None] = ContextVar("gridlink_request_id", default=None)
_NO_JOB: Mapping[str, str] = MappingProxyType({})
_job: ContextVar[Mapping[str, str]] = ContextVar("gridlink_job", default=_NO_JOB)

REQUEST_ID_HEADER = "X-Request-Id"


def current_request_id() -> str | None:
    return _request_id.get()


def set_request_id(value: str | None = None) -> str:
    request_id = value or new_id("req")
    _request_id.set(request_id)
    return request_id


def start_job(**ids: str) -> str:
    """Begin a job in the current task: ``ids`` (e.g. ``attempt_id=...``) go on every log line
    from here on, with a fresh ``job_...`` request id. The request that queued the work is not
    stored with it, so a job cannot name that request; its own id ties its lines together.
    Returns the job's request id."""
    _job.set(MappingProxyType(dict(ids)))
    return set_request_id(new_id("job"))


def bind_job(**ids: str) -> None:
    """Add ids learnt while the job runs (e.g. the credential, once its row is read)."""
    _job.set(MappingProxyType({**_job.get(), **ids}))


def current_job() -> Mapping[str, str]:
    """The ids of the job running in this task (empty outside a job)."""
    return _job.get()
