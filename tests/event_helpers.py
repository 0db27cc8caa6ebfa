"""Recording events the way a domain does: inside its own transaction, through record_event."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from gridlink.events.schemas import EventOut
from gridlink.events.service import record_event


async def emit_user_deleted(app: FastAPI, client_id: str, client_user_id: str) -> EventOut:
    async with app.state.db.transaction() as session:
        return await record_event(
            session,
            app.state.clock,
            client_id=client_id,
            type="user_deleted",
            data={},
            client_user_id=client_user_id,
        )


def verified_data(**overrides: Any) -> dict[str, Any]:
    return {
        "utility_id": "sandbox_electric",
        "status": "verified",
        "status_detail": None,
        "action_required": False,
        **overrides,
    }


async def emit_credential_event(
    app: FastAPI,
    client_id: str,
    credential_id: str,
    client_user_id: str = "user-1",
    type: str = "utility_credential_verified",
    data: dict[str, Any] | None = None,
) -> EventOut:
    async with app.state.db.transaction() as session:
        return await record_event(
            session,
            app.state.clock,
            client_id=client_id,
            type=type,
            data=verified_data() if data is None else data,
            client_user_id=client_user_id,
            utility_credential_id=credential_id,
        )
