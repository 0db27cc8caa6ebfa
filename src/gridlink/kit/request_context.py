"""The request id of the request being served, for logs and error bodies."""

from __future__ import annotations

from contextvars import ContextVar

from gridlink.kit.ids import new_id

_request_id: ContextVar[str | None] = ContextVar("gridlink_request_id", default=None)

REQUEST_ID_HEADER = "X-Request-Id"


def current_request_id() -> str | None:
    return _request_id.get()


def set_request_id(value: str | None = None) -> str:
    request_id = value or new_id("req")
    _request_id.set(request_id)
    return request_id
