from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict

from gridlink.errors import (
    DatabaseUnavailable,
    MigrationsPending,
    WorkerUnhealthy,
    error_response,
)
from gridlink.kit.db import Database
from gridlink.kit.heartbeat import WorkerHealth
from gridlink.kit.migrations import head_revision, is_current
from gridlink.kit.openapi import ErrorResponse

router = APIRouter(tags=["Health"])


class Status(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "ok"}]})

    status: str


@router.get("/healthz", summary="The process is up", response_model=Status)
async def healthz() -> Status:
    return Status(status="ok")


@router.get(
    "/readyz",
    summary="The database is reachable, its migrations are current, and this process's worker "
    "loops (if it runs a worker) are alive",
    response_model=Status,
    responses={503: {"model": ErrorResponse, "description": "Not ready: the message says why."}},
)
async def readyz(request: Request) -> Status | JSONResponse:
    worker: WorkerHealth | None = getattr(request.app.state, "worker_health", None)
    problems = worker.problems() if worker is not None else []
    if problems:
        # Checked first: it costs no round trip, and says what to do about the worker.
        return error_response(
            503,
            WorkerUnhealthy.code,
            f"The worker is not healthy: {'; '.join(problems)}. It restarts a crashed loop by "
            "itself; if this persists, read the log lines 'worker loop crashed', check the "
            "database, and restart the process.",
        )
    db: Database = request.app.state.db
    try:
        # Reading the schema's revision is a round trip: it proves the database is reachable.
        current = await is_current(db)
    except Exception:  # any failure to reach the database means "not ready"
        return error_response(
            503,
            DatabaseUnavailable.code,
            "The database is not reachable. Check that it runs and that GRIDLINK_DATABASE_URL "
            "points at it; this process reconnects by itself.",
        )
    if not current:
        return error_response(
            503,
            MigrationsPending.code,
            f"Database migrations are not current (want {head_revision()}); "
            "run `gridlink migrate`.",
        )
    return Status(status="ready")
