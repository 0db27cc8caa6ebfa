"""The one error root, and the handlers that render every error the same way.

Every API error is ``{"error": {"code", "message", "request_id"}}`` with the request id also in
the ``X-Request-Id`` header. Codes are stable and few; the message says how to fix the problem.

Error tree::

    GridlinkError                 500 internal
    ├── InvalidRequest            422 invalid_request   (fix the request; ``fields`` names them)
    ├── InvalidTotpSecret         422 invalid_totp_secret (not an authenticator setup key)
    ├── Unauthorized              401 unauthorized      (authenticate, or use a valid secret)
    ├── TokenInvalid              401 token_invalid     (get a new connect token / session)
    ├── SignInFailed              401 sign_in_failed    (dashboard: wrong email or password)
    ├── TotpRequired              401 totp_required     (dashboard: send the authenticator code)
    ├── SessionExpired            401 session_expired   (dashboard: sign in again)
    ├── CsrfFailed                403 csrf_failed       (dashboard: send X-CSRF-Token)
    ├── Forbidden                 403 forbidden
    ├── NotFound                  404 not_found         (unknown, expired and foreign look alike)
    ├── PdfUnavailable            404 pdf_unavailable   (the utility gave no PDF for this bill)
    ├── Conflict                  409 conflict
    ├── InvalidGrant              400 invalid_grant     (a code already used, expired or foreign)
    ├── PayloadTooLarge           413 payload_too_large (a body over the size limit, unread)
    ├── RateLimited               429 rate_limited      (wait ``Retry-After`` seconds)
    ├── DataUnavailable           503 data_unavailable  (data still loading; ``Retry-After``)
    ├── DatabaseUnavailable       503 database_unavailable (the database is away; ``Retry-After``)
    └── WorkerUnhealthy           503 worker_unhealthy  (``/readyz``: a worker loop is down)
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path
from starlette.types import Scope

from gridlink.kit.outages import is_transient
from gridlink.kit.request_context import REQUEST_ID_HEADER, current_request_id
from gridlink.kit.security_headers import apply_security_headers

logger = logging.getLogger(__name__)


class GridlinkError(Exception):
    status_code = 500
    code = "internal"

    def __init__(
        self,
        message: str,
        *,
        fields: Sequence[str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.fields = list(fields) if fields else None
        self.headers = headers or {}


class InvalidRequest(GridlinkError):
    status_code = 422
    code = "invalid_request"


class InvalidFile(GridlinkError):
    """An uploaded Green Button file we cannot read: the message names the element, line or zip
    member and what is wrong with it."""

    status_code = 422
    code = "invalid_file"


class InvalidTotpSecret(GridlinkError):
    """A sign-in's ``totp_secret`` is not an authenticator setup key (base32, 16-103
    characters): its own code, so Connect can say so in the end user's language."""

    status_code = 422
    code = "invalid_totp_secret"

    def __init__(self, message: str) -> None:
        super().__init__(message, fields=["totp_secret"])


class Unauthorized(GridlinkError):
    status_code = 401
    code = "unauthorized"

    def __init__(self, message: str) -> None:
        super().__init__(message, headers={"WWW-Authenticate": 'Bearer, Basic realm="gridlink"'})


class TokenInvalid(GridlinkError):
    status_code = 401
    code = "token_invalid"


class SignInRequired(Unauthorized):
    """``unauthorized`` for the dashboard: no ``WWW-Authenticate`` challenge, which would make
    a browser open its own password dialog over the dashboard's sign-in page."""

    def __init__(self, message: str) -> None:
        GridlinkError.__init__(self, message)


class SignInFailed(GridlinkError):
    """Dashboard sign-in: wrong email or password, or a disabled operator (one message for
    all, so the answer never says which emails exist)."""

    status_code = 401
    code = "sign_in_failed"


class TotpRequired(GridlinkError):
    """Dashboard sign-in: the password was right; the operator has TOTP and the code was
    missing, wrong or already used."""

    status_code = 401
    code = "totp_required"

    def __init__(self, message: str) -> None:
        super().__init__(message, fields=["totp_code"])


class SessionExpired(GridlinkError):
    """A dashboard session that ended (idle, too old, signed out, operator disabled)."""

    status_code = 401
    code = "session_expired"


class CsrfFailed(GridlinkError):
    """A dashboard request other than GET/HEAD without its session's X-CSRF-Token."""

    status_code = 403
    code = "csrf_failed"


class Forbidden(GridlinkError):
    status_code = 403
    code = "forbidden"


class NotFound(GridlinkError):
    status_code = 404
    code = "not_found"


class PdfUnavailable(GridlinkError):
    status_code = 404
    code = "pdf_unavailable"


class Conflict(GridlinkError):
    status_code = 409
    code = "conflict"


class AttemptFinished(GridlinkError):
    status_code = 409
    code = "attempt_finished"


class CredentialNotVerified(GridlinkError):
    status_code = 409
    code = "credential_not_verified"


class InvalidGrant(GridlinkError):
    status_code = 400
    code = "invalid_grant"


class PayloadTooLarge(GridlinkError):
    status_code = 413
    code = "payload_too_large"


class RateLimited(GridlinkError):
    status_code = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, headers={"Retry-After": str(retry_after)})


class DataUnavailable(GridlinkError):
    status_code = 503
    code = "data_unavailable"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, headers={"Retry-After": str(retry_after)})


class DatabaseUnavailable(GridlinkError):
    """Rendered for a database error that says it could not be reached (``kit/outages.py``)."""

    status_code = 503
    code = "database_unavailable"

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            "The database is briefly unavailable and nothing was changed. Retry the request "
            f"after {retry_after} seconds.",
            headers={"Retry-After": str(retry_after)},
        )


class WorkerUnhealthy(GridlinkError):
    """``/readyz``: a worker loop of this process crashed and has not recovered, or stalled."""

    status_code = 503
    code = "worker_unhealthy"


class MigrationsPending(GridlinkError):
    """``/readyz``: the database's schema is older than this code; ``gridlink migrate`` first."""

    status_code = 503
    code = "migrations_pending"


ERROR_CODES = (
    "invalid_request",
    "invalid_file",
    "invalid_totp_secret",
    "unauthorized",
    "sign_in_failed",
    "totp_required",
    "session_expired",
    "csrf_failed",
    "forbidden",
    "token_invalid",
    "not_found",
    "pdf_unavailable",
    "conflict",
    "attempt_finished",
    "credential_not_verified",
    "invalid_grant",
    "payload_too_large",
    "rate_limited",
    "data_unavailable",
    "database_unavailable",
    "worker_unhealthy",
    "migrations_pending",
    "internal",
)

# How long a client should wait when the database could not be reached (a restart, a failover,
# every connection in use): long enough for a pool timeout or a restart, short for a person.
DATABASE_RETRY_AFTER_SECONDS = 2


def error_body(code: str, message: str, fields: Sequence[str] | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message, "request_id": current_request_id()}
    if fields:
        error["fields"] = list(fields)
    return {"error": error}


def error_response(
    status: int,
    code: str,
    message: str,
    *,
    fields: Sequence[str] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    all_headers = dict(headers or {})
    request_id = current_request_id()
    if request_id:
        all_headers[REQUEST_ID_HEADER] = request_id
    # Never redacted: a response goes back to the caller who sent the request, and redaction is
    # for log output (it once turned "or as HTTP Basic authentication" into "[REDACTED]").
    # Messages do not echo caller input, so there is nothing of someone else's to hide.
    body = error_body(code, message, fields)
    return JSONResponse(body, status_code=status, headers=all_headers)


def _field_name(loc: Sequence[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def render_error(exc: GridlinkError) -> JSONResponse:
    """The response for one of our errors (also for middlewares, which run outside the
    handlers)."""
    return error_response(
        exc.status_code, exc.code, exc.message, fields=exc.fields, headers=exc.headers
    )


async def _on_gridlink_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, GridlinkError)
    if exc.status_code >= 500:
        logger.error("request failed: %s", exc.message, extra={"error_code": exc.code})
    return render_error(exc)


async def _on_validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems: list[str] = []
    fields: list[str] = []
    for err in exc.errors():
        name = _field_name(err.get("loc", ()))
        if err.get("type") == "json_invalid":
            problems.append("the body is not valid JSON; send a JSON object")
            continue
        # Never echo the rejected input: it may be a secret typed into the wrong field.
        problems.append(f"{name}: {err.get('msg', 'is invalid')}")
        fields.append(name)
    message = "The request is invalid: " + "; ".join(problems) + "."
    return error_response(422, "invalid_request", message, fields=sorted(set(fields)) or None)


# What an unknown route answers. Sandbox-only endpoints answer live clients the same way.
NO_SUCH_ENDPOINT = "No such endpoint. See /docs for the API reference."

_HTTP_CODES = {
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    413: "payload_too_large",
    429: "rate_limited",
}


def allowed_methods(scope: Scope) -> list[str]:
    """Every method some route accepts at this path. Starlette's own 405 names only the first
    route that matched the path, so a path served by two routes (GET and DELETE
    /v1/users/{id}) would advertise one of them."""
    path = scope["path"]
    matched = [
        route
        for route in iter_route_contexts(scope["app"].routes)
        if route.methods and _path_regex(route.path_format).match(path)
    ]
    # A path written out in full names its resource (POST /v1/utility_credentials/files); a
    # parameter route that also matches it (/v1/utility_credentials/{id}) is another resource.
    literal = [route for route in matched if "{" not in (route.path_format or "{")]
    return sorted({method for route in literal or matched for method in route.methods or ()})


@functools.cache
def _path_regex(path_format: str) -> re.Pattern[str]:
    regex: re.Pattern[str] = compile_path(path_format)[0]
    return regex


async def _on_http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    if status == 400:
        # FastAPI answers 400 when it cannot decode a body at all (e.g. bytes that are not
        # UTF-8). To a caller that is an invalid request like any other: 422, as documented.
        return error_response(
            422,
            "invalid_request",
            "The body could not be read: send a JSON object encoded as UTF-8.",
            fields=["body"],
        )
    if status == 404:
        message = NO_SUCH_ENDPOINT
    elif status == 405:
        message = "This endpoint does not accept that HTTP method. See /docs."
    else:
        message = str(exc.detail)
    headers = dict(exc.headers or {})
    if status == 405:
        headers["Allow"] = ", ".join(allowed_methods(request.scope))
    code = _HTTP_CODES.get(status, "invalid_request" if status < 500 else "internal")
    return error_response(status, code, message, headers=headers)


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unhandled error", exc_info=exc)
    response = error_response(
        500,
        "internal",
        "Something went wrong on our side and nothing was changed. Retry the request; if it "
        "keeps failing, report the request id to the server's operator.",
    )
    # Starlette sends this answer from outside every middleware: add their headers here.
    apply_security_headers(request.url.path, response.headers)
    return response


async def _on_database_error(request: Request, exc: Exception) -> JSONResponse:
    """A database that cannot be reached is not a bug: it is restarting, failing over, or every
    connection is busy. Nothing was written (the transaction never committed) and the same
    request works shortly, so say that. Any other database error is an internal one."""
    if not is_transient(exc):
        return await _on_unexpected(request, exc)
    logger.warning("database unavailable", extra={"error": type(exc).__name__})
    return render_error(DatabaseUnavailable(DATABASE_RETRY_AFTER_SECONDS))


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(GridlinkError, _on_gridlink_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    # Handled inside the middlewares (a class, not Exception): the answer goes out as any other.
    for database_error in (SQLAlchemyError, OSError):
        app.add_exception_handler(database_error, _on_database_error)
    app.add_exception_handler(Exception, _on_unexpected)
