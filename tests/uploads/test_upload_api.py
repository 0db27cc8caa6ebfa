"""POST /v1/utility_credentials/files: an app's backend uploads a Green Button file, on both
databases, with the data read back through the data API (nothing here reads our own tables to
check what the API says)."""

from __future__ import annotations

import io
import zipfile
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from gridlink import Settings
from gridlink.models import UtilityCredential
from gridlink.models.base import Base
from tests.credentials.helpers import count, events_of
from tests.factories import TestClient, assert_error, make_client, make_credential
from tests.uploads.files import opower_csv, opower_csv_sum, utc_span

UPLOAD = "/v1/utility_credentials/files"
MAY = date(2024, 5, 1)


async def upload(
    api: httpx.AsyncClient,
    client: TestClient,
    content: bytes,
    *,
    name: str = "usage.csv",
    **fields: str,
) -> httpx.Response:
    data = {"client_user_id": "user-1", "utility_id": "sandbox_electric", **fields}
    files = {"file": (name, content, "application/octet-stream")}
    return await api.post(UPLOAD, auth=client.auth, data=data, files=files)


async def readings(
    api: httpx.AsyncClient, client: TestClient, meter_id: str, first: date, days: int
) -> list[dict[str, Any]]:
    start, end = utc_span(first, days)
    response = await api.get(
        "/v1/utility_intervals",
        auth=client.auth,
        params={"meter_id": meter_id, "start": start.isoformat(), "end": end.isoformat()},
    )
    assert response.status_code == 200, response.text
    return list(response.json()["data"])


async def test_a_file_makes_a_verified_file_credential_with_its_data(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app)
    response = await upload(api, client, opower_csv(MAY, 3))
    assert response.status_code == 201, response.text
    body = response.json()
    credential = body["utility_credential"]
    assert body["created"] is True
    assert (credential["method"], credential["status"], credential["action_required"]) == (
        "file",
        "verified",
        False,
    )
    assert credential["utility"] == {"id": "sandbox_electric", "name": "Sandbox Power & Light"}
    found = body["found"]
    start, end = utc_span(MAY, 3)
    assert (found["readings"], found["new_readings"], found["statements"]) == (72, 72, 0)
    assert (found["start"], found["end"]) == (
        start.isoformat().replace("+00:00", "Z"),
        end.isoformat().replace("+00:00", "Z"),
    )
    (meter,) = found["meters"]
    stored = await readings(api, client, meter["meter_id"], MAY, 3)
    assert len(stored) == 72
    assert sum(Decimal(str(r["value"])) for r in stored) == opower_csv_sum(MAY, 3)
    assert {r["cost"] for r in stored} == {"0.05"}
    # The same credential through the credentials API, with no sync (files do not sync).
    again = await api.get(f"/v1/utility_credentials/{credential['id']}", auth=client.auth)
    assert again.json() == credential
    assert credential["sync"] is None
    types = [e.type for e in await events_of(app, client.id)]
    assert types == [
        "utility_credential_verified",
        "utility_accounts_discovered",
        "historical_utility_intervals_discovered",
        "historical_utility_statements_discovered",
    ]


async def test_a_file_sent_again_changes_nothing_and_an_overlap_merges(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app)
    first = (await upload(api, client, opower_csv(MAY, 3))).json()
    credential_id = first["utility_credential"]["id"]
    meter_id = first["found"]["meters"][0]["meter_id"]
    before = len(await events_of(app, client.id))

    same = await upload(api, client, opower_csv(MAY, 3))
    assert same.status_code == 200, same.text
    assert same.json()["created"] is False
    assert same.json()["utility_credential"]["id"] == credential_id
    assert same.json()["found"]["new_readings"] == 0
    assert len(await events_of(app, client.id)) == before  # nothing new: nothing to tell

    # Days 3 to 5: day 3 is stored already, days 4 and 5 are new.
    later = await upload(api, client, opower_csv(MAY + timedelta(days=2), 3))
    assert later.status_code == 200, later.text
    assert later.json()["found"]["new_readings"] == 48
    stored = await readings(api, client, meter_id, MAY, 5)
    assert len(stored) == 120
    assert sum(Decimal(str(r["value"])) for r in stored) == opower_csv_sum(MAY, 5)
    (new,) = await events_of(app, client.id, "new_utility_intervals_available")
    start, end = utc_span(MAY + timedelta(days=3), 2)
    assert (new.data["start"], new.data["end"]) == (
        start.isoformat().replace("+00:00", "Z"),
        end.isoformat().replace("+00:00", "Z"),
    )
    assert await count(app, UtilityCredential, client_id=client.id) == 1


async def test_a_zip_of_files_is_read_as_one(app: FastAPI, api: httpx.AsyncClient) -> None:
    client = await make_client(app)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("may-1.csv", opower_csv(MAY, 2))
        bundle.writestr("may-3.csv", opower_csv(MAY + timedelta(days=2), 2))
    response = await upload(api, client, archive.getvalue(), name="download.zip")
    assert response.status_code == 201, response.text
    assert response.json()["found"]["readings"] == 96


async def test_a_file_we_cannot_read_stores_nothing(app: FastAPI, api: httpx.AsyncClient) -> None:
    client = await make_client(app)
    for content, name in [
        (b"this is a grocery list\nmilk\n", "list.csv"),
        (b"<feed xmlns='http://www.w3.org/2005/Atom'><entry>", "cut.xml"),
        (b"", "empty.xml"),
        (b"TYPE,DATE,START TIME,END TIME,USAGE,UNITS,COST\n", "header-only.csv"),
    ]:
        response = await upload(api, client, content, name=name)
        error = assert_error(response, 422, "invalid_file")
        assert "Green Button" in str(error["message"]) or "no interval" in str(error["message"])
    users = await api.get("/v1/users", auth=client.auth)
    assert users.json()["data"] == []  # not even the end user was made
    assert await count(app, UtilityCredential) == 0


async def test_control_characters_in_stored_text_are_refused(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    """A NUL in what becomes a meter's number: PostgreSQL cannot store it, SQLite should not."""
    client = await make_client(app)
    damaged = opower_csv(MAY, 1).replace(b"Electric usage,", b"Electric\x00usage,")
    assert_error(await upload(api, client, damaged), 422, "invalid_file")
    assert await count(app, UtilityCredential) == 0


async def test_a_second_client_never_reaches_the_first_ones_credential(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    owner = await make_client(app, name="Owner")
    other = await make_client(app, name="Other")
    first = (await upload(api, owner, opower_csv(MAY, 1))).json()
    credential_id = first["utility_credential"]["id"]
    meter_id = first["found"]["meters"][0]["meter_id"]
    stolen = await upload(
        api, other, opower_csv(MAY + timedelta(days=1), 1), utility_credential_id=credential_id
    )
    assert_error(stolen, 404, "not_found")
    # Its own upload with the same client_user_id is its own end user and credential.
    own = await upload(api, other, opower_csv(MAY + timedelta(days=1), 1))
    assert own.status_code == 201
    assert own.json()["utility_credential"]["id"] != credential_id
    assert len(await readings(api, owner, meter_id, MAY, 3)) == 24


async def test_a_file_goes_only_to_a_file_credential_of_the_same_end_user(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app)
    login = await make_credential(app, client, "user-1")
    refused = await upload(api, client, opower_csv(MAY, 1), utility_credential_id=login)
    assert_error(refused, 409, "conflict")
    mine = (await upload(api, client, opower_csv(MAY, 1), client_user_id="user-2")).json()
    theirs = await upload(
        api, client, opower_csv(MAY, 1), utility_credential_id=mine["utility_credential"]["id"]
    )
    assert_error(theirs, 409, "conflict")
    other_utility = await upload(
        api,
        client,
        opower_csv(MAY, 1),
        client_user_id="user-2",
        utility_credential_id=mine["utility_credential"]["id"],
        utility_id="sandbox_gas",
    )
    assert_error(other_utility, 422, "invalid_request")


async def test_what_the_request_must_be(app: FastAPI, api: httpx.AsyncClient) -> None:
    client = await make_client(app)
    unsigned = await api.post(
        UPLOAD, data={"client_user_id": "u"}, files={"file": ("a.csv", opower_csv(MAY, 1))}
    )
    assert_error(unsigned, 401, "unauthorized")
    as_json = await api.post(UPLOAD, auth=client.auth, json={"client_user_id": "u"})
    assert_error(as_json, 422, "invalid_request")
    no_file = await api.post(
        UPLOAD, auth=client.auth, data={"client_user_id": "u"}, files={"x": ("a", b"")}
    )
    assert_error(no_file, 422, "invalid_request")
    unknown = await upload(api, client, opower_csv(MAY, 1), utility_id="nowhere_power")
    assert assert_error(unknown, 422, "invalid_request")["fields"] == ["utility_id"]
    extra = await upload(api, client, opower_csv(MAY, 1), password="hunter2")
    assert_error(extra, 422, "invalid_request")
    nobody = await upload(api, client, opower_csv(MAY, 1), client_user_id="")
    assert assert_error(nobody, 422, "invalid_request")["fields"] == ["client_user_id"]


async def test_without_a_utility_the_file_gets_the_unnamed_one(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app)
    files = {"file": ("usage.csv", opower_csv(MAY, 1), "text/csv")}
    response = await api.post(
        UPLOAD, auth=client.auth, data={"client_user_id": "user-1"}, files=files
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["utility_credential"]["utility"] == {"id": "green_button", "name": "green_button"}
    # No zone known: CSV wall times are read as UTC, and the answer says so.
    assert body["found"]["start"] == "2024-05-01T00:00:00Z"
    assert body["found"]["warnings"]


@pytest.mark.parametrize("shared_name", ["gba_coastal_multifamily_hourly_1yr_12h_blocks.xml"])
async def test_a_real_year_of_hourly_readings(
    app: FastAPI, api: httpx.AsyncClient, shared_name: str
) -> None:
    from tests.greenbutton.shared_files import GREEN_BUTTON, need

    content = need(GREEN_BUTTON / shared_name)
    client = await make_client(app)
    response = await upload(api, client, content, name=shared_name)
    assert response.status_code == 201, response.text
    found = response.json()["found"]
    assert found["readings"] == 8760  # the README's count, taken from the file itself
    assert (found["start"], found["end"]) == ("2011-01-01T08:00:00Z", "2012-01-01T08:00:00Z")


async def test_the_file_itself_is_not_kept(
    app: FastAPI, api: httpx.AsyncClient, settings: Settings
) -> None:
    """A CSV download's preamble names the customer and the address: none of it is stored,
    neither in the database nor in the file store."""
    client = await make_client(app)
    assert (await upload(api, client, opower_csv(MAY, 2))).status_code == 201
    assert await count(app, UtilityCredential) == 1
    kept = [b"JANE DOE", b"1 MAIN ST", b"1234567890"]
    async with app.state.db.transaction(write=False) as session:
        for table in Base.metadata.sorted_tables:
            rows = (await session.execute(select(table))).all()
            text = repr(rows).encode()
            assert not [k for k in kept if k in text], table.name
    stored_files = [p for p in settings.resolved_files_dir().rglob("*") if p.is_file()]
    assert not [p for p in stored_files if any(k in p.read_bytes() for k in kept)]
