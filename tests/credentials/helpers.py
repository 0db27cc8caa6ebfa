"""Rows the connection engine will create for real, built directly for these tests."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi import FastAPI
from sqlalchemy import func, select

from gridlink.kit import tokens
from gridlink.kit.clock import Clock
from gridlink.kit.ids import new_id
from gridlink.kit.vault import Owner
from gridlink.models import ConnectionAttempt, ConnectSession, Event, UtilityCredential
from gridlink.users.repository import UserRepository
from tests.factories import TestClient


async def add_credential(
    app: FastAPI,
    client: TestClient,
    client_user_id: str = "user-1",
    utility_id: str = "sandbox_electric",
    **columns: Any,
) -> str:
    clock: Clock = app.state.clock
    now = clock.now()
    values: dict[str, Any] = {"status": "verified", "created_at": now, "updated_at": now}
    values.update(columns)
    async with app.state.db.transaction() as session:
        user = await UserRepository(session).get_or_create(client.id, client_user_id, now)
        credential = UtilityCredential(
            id=new_id("ucr"), client_id=client.id, user_id=user.id, utility_id=utility_id, **values
        )
        session.add(credential)
    return credential.id


async def get_credential_row(app: FastAPI, credential_id: str) -> UtilityCredential | None:
    async with app.state.db.transaction(write=False) as session:
        return await session.get(UtilityCredential, credential_id)


async def add_attempt(
    app: FastAPI,
    client: TestClient,
    credential_id: str,
    *,
    code: str | None = None,
    code_expires_at: datetime | None = None,
) -> str:
    """A finished connection attempt (and the connect session it ran in) that produced
    ``code``; the code is stored as its digest, as the engine does."""
    clock: Clock = app.state.clock
    now = clock.now()
    async with app.state.db.transaction() as session:
        credential = await session.get(UtilityCredential, credential_id)
        assert credential is not None
        connect_session = ConnectSession(
            id=new_id("csn"),
            client_id=client.id,
            user_id=credential.user_id,
            session_hash=tokens.digest(new_id("hash")),
            mode="create",
            utility_id=credential.utility_id,
            credential_id=credential_id,
            products=["accounts"],
            created_at=now,
            expires_at=now + timedelta(hours=1),
        )
        session.add(connect_session)
        await session.flush()
        attempt = ConnectionAttempt(
            id=new_id("att"),
            client_id=client.id,
            session_id=connect_session.id,
            credential_id=credential_id,
            utility_id=credential.utility_id,
            mode="create",
            status="verified",
            authorization_code_hash=None if code is None else tokens.digest(code),
            authorization_code_expires_at=code_expires_at
            or (None if code is None else now + timedelta(minutes=10)),
            created_at=now,
            updated_at=now,
            finished_at=now,
        )
        session.add(attempt)
    return attempt.id


async def seal(app: FastAPI, client_id: str, record_id: str, field: str, value: bytes) -> None:
    async with app.state.db.transaction() as session:
        await app.state.vault.seal(
            session, owner=Owner(client_id, record_id), field=field, plaintext=value
        )


async def can_open(app: FastAPI, client_id: str, record_id: str, field: str) -> bool:
    async with app.state.db.transaction(write=False) as session:
        try:
            await app.state.vault.open(session, owner=Owner(client_id, record_id), field=field)
        except Exception:
            return False
    return True


async def events_of(app: FastAPI, client_id: str, type_: str | None = None) -> list[Event]:
    async with app.state.db.transaction(write=False) as session:
        query = select(Event).where(Event.client_id == client_id).order_by(Event.position)
        if type_ is not None:
            query = query.where(Event.type == type_)
        return list((await session.scalars(query)).all())


async def count(app: FastAPI, model: Any, **where: Any) -> int:
    async with app.state.db.transaction(write=False) as session:
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return int(await session.scalar(query) or 0)
