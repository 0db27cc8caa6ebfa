"""The uploads' own body limit (GRIDLINK_MAX_UPLOAD_BYTES), on both routes, declared and chunked:
a body past it is refused before it is read through, and nothing is stored."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from datetime import date

import httpx
import pytest
from fastapi import FastAPI

from gridlink import Settings
from gridlink.models import UtilityCredential
from tests.attempts.flows import connect_token, open_session
from tests.credentials.helpers import count
from tests.factories import assert_error, make_client
from tests.test_body_limit import CHUNK, HUGE, Upload
from tests.uploads.files import opower_csv

LIMIT = 256 * 1024


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"max_upload_bytes": LIMIT})


class _Form(Upload):
    """A multipart body of ``size`` bytes whose file part never ends."""

    BOUNDARY = "gridlinkboundary"
    KIND = f"multipart/form-data; boundary={BOUNDARY}"

    def __init__(self, size: int) -> None:
        super().__init__(size, fill=b"1")

    async def body(self) -> AsyncIterator[bytes]:
        yield (
            f'--{self.BOUNDARY}\r\nContent-Disposition: form-data; name="client_user_id"\r\n'
            f'\r\nu\r\n--{self.BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
            'filename="a.csv"\r\n\r\n'
        ).encode()
        async for chunk in self.stream():
            yield chunk


@pytest.mark.parametrize("route", ["/v1/utility_credentials/files", "/connect/api/files"])
async def test_an_upload_past_its_limit_is_cut_off(
    app: FastAPI, api: httpx.AsyncClient, route: str
) -> None:
    client = await make_client(app)
    basic = base64.b64encode(f"{client.id}:{client.secret}".encode()).decode()
    headers = {"Authorization": f"Basic {basic}"}
    if route.startswith("/connect"):
        widget = await open_session(
            api, await connect_token(api, client, client_user_id="u", utility_id="sandbox_electric")
        )
        headers = widget.headers
    declared = _Form(HUGE)
    refused = await api.post(
        route,
        content=declared.body(),
        headers={**headers, "Content-Type": _Form.KIND, "Content-Length": str(HUGE)},
    )
    error = assert_error(refused, 413, "payload_too_large")
    assert f"{LIMIT} bytes" in str(error["message"])
    assert declared.pulled == 0  # not one byte of the file read
    chunked = _Form(HUGE)
    cut = await api.post(
        route,
        content=chunked.body(),
        headers={**headers, "Content-Type": _Form.KIND},
    )
    assert_error(cut, 413, "payload_too_large")
    assert chunked.pulled <= LIMIT + CHUNK  # the limit, plus the chunk that passed it
    assert await count(app, UtilityCredential) == 0


async def test_a_file_within_the_limit_is_stored_and_json_keeps_its_own_limit(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app)
    small = opower_csv(date(2024, 5, 1), 3)
    assert len(small) < LIMIT
    stored = await api.post(
        "/v1/utility_credentials/files",
        auth=client.auth,
        data={"client_user_id": "u", "utility_id": "sandbox_electric"},
        files={"file": ("a.csv", small)},
    )
    assert stored.status_code == 201, stored.text
    assert app.state.settings.max_body_bytes == 1024 * 1024  # JSON routes: their own limit
