"""The floor under a connect token, for bench/hot_paths.py: the same request served by the stack
we build on and nothing of ours — no middleware, no dependency injection, no ORM.

- ``POST /bare``: FastAPI parses the JSON body into a Pydantic model and answers a Pydantic
  model; no database. What uvicorn + FastAPI cost per request.
- ``POST /v1/auth/connect_token``: the same, plus the connect token's writes (client by secret
  hash, user insert, token insert) as SQLAlchemy Core ``text()`` statements in one transaction
  on ``gridlink.kit.db.Database`` (its SQLite writer slot and ``BEGIN IMMEDIATE``; on
  PostgreSQL a plain pool). What any FastAPI + SQLAlchemy implementation of the endpoint costs.

Served by bench/hot_paths.py as ``uvicorn floor_app:app`` (httptools, uvloop: as ``gridlink
serve``) with ``FLOOR_DATABASE_URL`` set; not part of Gridlink.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import uuid
from datetime import UTC, datetime, timedelta

from fastapi import FastAPI, HTTPException, Request
from pydantic import BaseModel
from sqlalchemy import text

from gridlink.kit.db import Database

DB = Database(os.environ["FLOOR_DATABASE_URL"])
HOUR = timedelta(hours=1)
PRODUCTS = '["accounts", "statements", "intervals"]'
CLIENT_BY_SECRET = text(
    "SELECT clients.id, clients.environment FROM client_secrets JOIN clients "
    "ON clients.id = client_secrets.client_id WHERE client_secrets.secret_hash = :secret_hash "
    "AND client_secrets.client_id = :client_id "
    "AND (client_secrets.expires_at IS NULL OR client_secrets.expires_at > :now)"
)
INSERT_USER = text(
    "INSERT INTO users (id, client_id, client_user_id, created_at) "
    "VALUES (:id, :client_id, :client_user_id, :now) "
    "ON CONFLICT (client_id, client_user_id) DO NOTHING RETURNING id"
)
INSERT_TOKEN = text(
    "INSERT INTO connect_tokens (id, client_id, user_id, token_hash, mode, products, created_at, "
    "expires_at) VALUES (:id, :client_id, :user_id, :token_hash, 'create', :products, :now, "
    ":expires_at)"
)

app = FastAPI()


class TokenIn(BaseModel):
    client_user_id: str


class TokenOut(BaseModel):
    connect_token: str
    mode: str
    expires_at: datetime


@app.post("/bare")
async def bare(body: TokenIn) -> TokenOut:
    return TokenOut(
        connect_token=secrets.token_urlsafe(32), mode="create", expires_at=datetime.now(UTC)
    )


@app.post("/v1/auth/connect_token")
async def connect_token(body: TokenIn, request: Request) -> TokenOut:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    client_id, _, secret = base64.b64decode(value).decode().partition(":")
    now = datetime.now(UTC)
    if DB.is_sqlite:
        now = now.replace(tzinfo=None)  # as SQLAlchemy stores DateTime on SQLite
    token = secrets.token_urlsafe(32)
    async with DB.write_slot(write=True), DB.engine.begin() as connection:
        secret_hash = hashlib.sha256(secret.encode()).hexdigest()
        params = {"secret_hash": secret_hash, "client_id": client_id, "now": now}
        if (
            scheme != "Basic"
            or (await connection.execute(CLIENT_BY_SECRET, params)).first() is None
        ):
            raise HTTPException(401)
        user_id = f"usr_{uuid.uuid4().hex}"
        user = {"id": user_id, "client_id": client_id, "client_user_id": body.client_user_id}
        await connection.execute(INSERT_USER, {**user, "now": now})
        await connection.execute(
            INSERT_TOKEN,
            {
                "id": f"ctk_{uuid.uuid4().hex}",
                "client_id": client_id,
                "user_id": user_id,
                "token_hash": hashlib.sha256(token.encode()).hexdigest(),
                "products": PRODUCTS,
                "now": now,
                "expires_at": now + HOUR,
            },
        )
    return TokenOut(connect_token=token, mode="create", expires_at=now + HOUR)
