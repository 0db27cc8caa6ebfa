"""Structured logs: one JSON object per line, every line redacted.

Redaction lives in the formatter, so it covers our own records, uvicorn's and any library's,
and it cannot be bypassed by a handler added later through ``configure_logging``.
"""

from __future__ import annotations

import logging
import sys
import traceback
from datetime import UTC, datetime
from typing import Any, TextIO

import orjson

from gridlink.kit.redaction import redact, redact_text
from gridlink.kit.request_context import current_request_id

_STANDARD_ATTRS = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message",
    "asctime",
    "color_message",
}


class RedactingJsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": redact_text(record.getMessage()),
        }
        request_id = current_request_id()
        if request_id:
            entry["request_id"] = request_id
        extra = {k: v for k, v in record.__dict__.items() if k not in _STANDARD_ATTRS}
        if extra:
            entry.update(redact(extra))
        if record.exc_info and record.exc_info[0] is not None:
            # Exception messages can quote input (a SQL parameter, a header): redact them too.
            text = "".join(traceback.format_exception(*record.exc_info))
            entry["exc"] = redact_text(text)
        return orjson.dumps(entry, default=str).decode()


def configure_logging(level: str = "info", stream: TextIO | None = None) -> logging.Handler:
    """Route every logger through one redacting JSON handler. Returns that handler."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(RedactingJsonFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "alembic"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    logging.getLogger("alembic").setLevel("WARNING")
    return handler
