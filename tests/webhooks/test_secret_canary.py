"""Canary: signing secrets appear in no event payload, no log line and no database dump."""

from __future__ import annotations

import base64
import io
import logging
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.engine import make_url

from gridlink.kit.logging import RedactingJsonFormatter
from tests.event_helpers import emit_user_deleted
from tests.factories import make_client
from tests.receiver import Receiver, Reply
from tests.webhooks.conftest import DispatcherFactory, make_endpoint


@pytest.fixture
def captured_logs() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(RedactingJsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)


def _database_dump(db_url: str) -> bytes:
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite":
        path = Path(str(url.database))
        return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
    command = ["pg_dump", "-h", url.host or "127.0.0.1", "-U", url.username or "postgres"]
    command += ["-p", str(url.port or 5432), str(url.database)]
    return subprocess.run(command, capture_output=True, check=True, timeout=120).stdout


def _forms(secret: str) -> list[bytes]:
    """The secret as text, its key bytes, and the key in hex and base64 (a dump shows bytea
    as hex)."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    return [secret.encode(), key, key.hex().encode(), base64.b64encode(key)]


async def test_signing_secrets_never_leak(
    app: FastAPI,
    api: httpx.AsyncClient,
    db_url: str,
    receiver: Receiver,
    make_dispatcher: DispatcherFactory,
    captured_logs: io.StringIO,
) -> None:
    client = await make_client(app)
    created = await api.post(
        "/v1/webhook_endpoints",
        json={"url": receiver.url},
        headers={"Idempotency-Key": "canary-1"},  # the saved response holds the secret
        auth=client.auth,
    )
    endpoint = created.json()
    gone = await make_endpoint(api, client, receiver.url + "/gone")
    receiver.respond = lambda r: Reply(410 if r.path.endswith("/gone") else 200)
    rotated = await api.post(
        f"/v1/webhook_endpoints/{endpoint['id']}/rotate_secret", auth=client.auth
    )
    secrets = [endpoint["secret"], gone["secret"], rotated.json()["secret"]]
    await api.post(f"/v1/webhook_endpoints/{endpoint['id']}/test", auth=client.auth)
    await emit_user_deleted(app, client.id, "user-1")
    await (await make_dispatcher()).run_once()
    logging.getLogger("gridlink.test").warning("a secret in a message: %s", secrets[0])

    events = (await api.get("/v1/events", auth=client.auth)).content
    assert b"webhook_endpoint_disabled" in events  # the 410 path (which logs) ran
    deliveries = (
        await api.get(f"/v1/webhook_endpoints/{endpoint['id']}/deliveries", auth=client.auth)
    ).content
    logs = captured_logs.getvalue().encode()
    assert b"[REDACTED]" in logs
    dump = _database_dump(db_url)
    assert b"webhook_endpoints" in dump or b"whe_" in dump
    bodies = b"".join(r.body for r in receiver.requests)
    for secret in secrets:
        for form in _forms(secret):
            for name, haystack in [
                ("events", events),
                ("deliveries", deliveries),
                ("webhook bodies", bodies),
                ("logs", logs),
                ("database", dump),
            ]:
                assert form not in haystack, f"a signing secret is in the {name}"
