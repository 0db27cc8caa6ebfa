"""The ``Idempotency-Key`` dependency every POST endpoint declares (a test checks they do)."""

# No `from __future__ import annotations` here: FastAPI must resolve the annotations of the
# dependency built inside `idempotent_for`, which name a closure variable.

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.auth.service import AuthenticatedClient
from gridlink.idempotency import service
from gridlink.kit.clock import Clock
from gridlink.kit.keyring import Ring
from gridlink.kit.unit_of_work import UnitOfWork, db_session

IDEMPOTENCY_MARKER = "gridlink_idempotent"


def idempotent_for(
    authenticate: Callable[..., Awaitable[AuthenticatedClient]],
) -> Callable[..., Awaitable[None]]:
    """Build the dependency for endpoints whose caller is found by ``authenticate``."""

    async def idempotency(
        request: Request,
        client: Annotated[AuthenticatedClient, Depends(authenticate)],
        session: Annotated[AsyncSession, Depends(db_session)],
        idempotency_key: Annotated[
            str | None,
            Header(
                alias="Idempotency-Key",
                pattern=service.KEY_PATTERN,
                description="Retry-safe key (e.g. a UUID): 1-255 printable ASCII characters, no "
                "space first or last. The same key and body within 24 h return the first "
                "response instead of acting twice.",
            ),
        ] = None,
    ) -> None:
        if idempotency_key is None or request.method != "POST":
            return
        clock: Clock = request.app.state.clock
        keyring: Ring = request.app.state.response_keyring
        body = await request.body()
        fingerprint = service.fingerprint(
            request.method, request.url.path, request.scope.get("query_string", b""), body
        )
        claim = await service.begin(
            session, clock, keyring, client.id, idempotency_key, fingerprint
        )

        async def save_before_commit(
            hook_session: AsyncSession, status: int, headers: list[tuple[bytes, bytes]], out: bytes
        ) -> None:
            # Runs only for responses that commit (status < 400); errors roll back the claim.
            content_type = dict(headers).get(b"content-type", b"application/json").decode()
            await service.save(hook_session, keyring, claim, status, content_type, out)

        uow: UnitOfWork = request.state.uow
        uow.on_commit(save_before_commit)

    setattr(idempotency, IDEMPOTENCY_MARKER, True)
    return idempotency


async def _replay(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, service.Replay)
    saved = exc.saved
    return Response(
        content=saved.body,
        status_code=saved.status_code,
        media_type=saved.content_type,
        headers={"Idempotent-Replayed": "true"},
    )


def install_replay_handler(app: FastAPI) -> None:
    app.add_exception_handler(service.Replay, _replay)


def is_idempotent_dependency(dependency: Any) -> bool:
    return bool(getattr(dependency, IDEMPOTENCY_MARKER, False))
