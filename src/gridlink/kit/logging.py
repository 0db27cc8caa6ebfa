"""Structured logs: one JSON object per line, every line redacted.

Redaction happens twice, so no logger escapes it:
- when a record is made (``logging.setLogRecordFactory``): its message is formatted and
  redacted, and so is the traceback, before any handler sees it. This covers every logger —
  root, uvicorn, httpx, SQLAlchemy, any library — whatever handler it has, including a handler
  a library attaches after start-up;
- in ``RedactingJsonFormatter``, for the structured extras (``extra={...}``), which are set on a
  record after it is made.
``configure_logging`` also sends every logger that exists to the one JSON handler (their own
handlers removed, propagation on), so every line has the same shape.

Both nets match patterns (field names, token formats), not values: a password is just a word.
An exception from code that held one (a connector) is therefore logged with ``crash_trace``,
which keeps where it happened and drops what it said.
"""

from __future__ import annotations

import logging
import sys
import traceback
from datetime import UTC, datetime
from typing import Any, TextIO

import orjson

from gridlink.kit.redaction import redact, redact_text
from gridlink.kit.request_context import current_job, current_request_id

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
        # The running job's ids (attempt, sync, delivery, credential): kit/request_context.py.
        entry.update(current_job())
        extra = {k: v for k, v in record.__dict__.items() if k not in _STANDARD_ATTRS}
        if extra:
            entry.update(redact(extra))
        if record.exc_info and record.exc_info[0] is not None:
            # Exception messages can quote input (a SQL parameter, a header): redact them too.
            text = record.exc_text or "".join(traceback.format_exception(*record.exc_info))
            entry["exc"] = redact_text(text)
        return orjson.dumps(entry, default=str).decode()


_base_factory = logging.getLogRecordFactory()


def _redacting_record_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
    record = _base_factory(*args, **kwargs)
    try:
        message = record.getMessage()
    except Exception:
        message = str(record.msg)
    record.msg, record.args = redact_text(message), None
    if record.exc_info and record.exc_info[0] is not None:
        text = "".join(traceback.format_exception(*record.exc_info))
        record.exc_text = redact_text(text).rstrip("\n")
    if record.stack_info:
        record.stack_info = redact_text(record.stack_info)
    return record


def crash_trace(error: BaseException) -> str:
    """Where ``error`` and the exceptions that led to it were raised: their types and the code
    locations of their tracebacks, oldest first, as Python prints them, but without their
    messages, notes or locals.

    For exceptions from code given secrets, e.g. a connector's unexpected crash: its message (or
    its cause's) may quote the username, password, MFA code or session token it held, in any
    form (URL-encoded, in a dict's repr), which no redaction pattern can recognise. Dropping the
    message is simpler and surer than finding those values in it; the type and the lines say
    enough to find the bug. The lines shown are source code, not data.
    """
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and all(current is not seen for seen in chain):
        chain.append(current)
        current = current.__cause__ or (
            None if current.__suppress_context__ else current.__context__
        )
    parts = []
    for exception in reversed(chain):
        kind = type(exception)
        name = (
            kind.__qualname__
            if kind.__module__ == "builtins"
            else f"{kind.__module__}.{kind.__qualname__}"
        )
        frames = "".join(traceback.format_tb(exception.__traceback__))
        parts.append(f"Traceback (most recent call last):\n{frames}{name} (message not logged)")
    return "\n\nwhich led to:\n\n".join(parts)


def install_record_redaction() -> None:
    """Redact every log record when it is made (idempotent)."""
    logging.setLogRecordFactory(_redacting_record_factory)


def configure_logging(level: str = "info", stream: TextIO | None = None) -> logging.Handler:
    """Route every logger through one redacting JSON handler. Returns that handler."""
    install_record_redaction()
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(RedactingJsonFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    names = {"uvicorn", "uvicorn.error", "uvicorn.access", "alembic", "httpx", "sqlalchemy"}
    for name in names | set(logging.root.manager.loggerDict):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    logging.getLogger("alembic").setLevel("WARNING")
    # Authlib logs issued tokens and PKCE verifiers at debug (the local Data Custodian runs its
    # server side in the sandbox); redaction would catch them, this keeps them from being made.
    logging.getLogger("authlib").setLevel("INFO")
    return handler
