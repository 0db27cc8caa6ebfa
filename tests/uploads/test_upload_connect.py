"""POST /connect/api/files: the end user uploads a Green Button file in Connect, which ends like
a sign-in (a verified attempt, completed for an authorization code) — on both databases."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
from fastapi import FastAPI

from gridlink.models import UtilityCredential
from tests.attempts.flows import WidgetSession, connect_token, open_session
from tests.credentials.helpers import count
from tests.factories import TestClient, assert_error, make_client, make_credential
from tests.uploads.files import opower_csv

MAY = date(2024, 5, 1)


async def _session(
    api: httpx.AsyncClient, client: TestClient, *, consent: bool = True, **token: str
) -> WidgetSession:
    body = {"client_user_id": "user-1", "utility_id": "sandbox_electric", **token}
    return await open_session(api, await connect_token(api, client, **body), consent=consent)


async def _link_token(api: httpx.AsyncClient, client: TestClient, credential_id: str) -> str:
    made = await api.post(
        f"/v1/utility_credentials/{credential_id}/connect_link", auth=client.auth, json={}
    )
    assert made.status_code in (200, 201), made.text
    return str(made.json()["url"].split("#token=")[1])


async def test_an_upload_completes_like_a_sign_in(app: FastAPI, api: httpx.AsyncClient) -> None:
    client = await make_client(app)
    widget = await _session(api, client)
    uploaded = await widget.upload(opower_csv(MAY, 2))
    assert uploaded.status_code == 200, uploaded.text
    body = uploaded.json()
    assert body["found"]["readings"] == 48
    completed = await widget.post(f"/attempts/{body['attempt_id']}/complete")
    assert completed.status_code == 200, completed.text
    done = completed.json()
    assert done["utility_credential_id"] == body["utility_credential_id"]
    exchanged = await api.post(
        "/v1/auth/exchange",
        json={"authorization_code": done["authorization_code"]},
        auth=client.auth,
    )
    assert exchanged.status_code == 200, exchanged.text
    assert exchanged.json()["utility_credential_id"] == body["utility_credential_id"]
    credential = await api.get(
        f"/v1/utility_credentials/{body['utility_credential_id']}", auth=client.auth
    )
    assert (credential.json()["method"], credential.json()["status"]) == ("file", "verified")
    # The session is over and its token spent: no second upload, no second session.
    assert (await widget.upload(opower_csv(MAY, 1))).status_code == 401


async def test_a_bad_file_leaves_the_session_open_for_another(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app)
    widget = await _session(api, client)
    refused = await widget.upload(b"not a green button file\n", name="notes.txt")
    error = assert_error(refused, 422, "invalid_file")
    assert "notes.txt" in str(error["message"])  # names the file the end user picked
    assert await count(app, UtilityCredential) == 0
    assert (await widget.upload(opower_csv(MAY, 1))).status_code == 200


async def test_steps_come_in_order(app: FastAPI, api: httpx.AsyncClient) -> None:
    client = await make_client(app)
    before_consent = await _session(api, client, consent=False)
    assert_error(await before_consent.upload(opower_csv(MAY, 1)), 409, "conflict")
    token = await connect_token(api, client, client_user_id="user-2")
    no_utility = await open_session(api, token)
    assert_error(await no_utility.upload(opower_csv(MAY, 1)), 409, "conflict")
    stranger = WidgetSession(api, "glcs_sandbox_not-a-session", {})
    assert_error(await stranger.upload(opower_csv(MAY, 1)), 401, "token_invalid")
    assert await count(app, UtilityCredential) == 0


async def test_update_mode_adds_a_file_to_a_file_credential_only(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app)
    first = await _session(api, client)
    made = (await first.upload(opower_csv(MAY, 1))).json()
    credential_id = made["utility_credential_id"]

    link = await open_session(api, await _link_token(api, client, credential_id), link=True)
    assert (link.data["mode"], link.data["step"]) == ("update", "upload")
    later = await link.upload(opower_csv(MAY + timedelta(days=1), 1))
    assert later.status_code == 200, later.text
    assert later.json()["utility_credential_id"] == credential_id
    assert later.json()["found"]["new_readings"] == 24

    login = await make_credential(app, client, "user-1")
    repair = await open_session(api, await _link_token(api, client, login), link=True)
    assert repair.data["step"] == "credentials"
    assert_error(await repair.upload(opower_csv(MAY, 1)), 409, "conflict")


async def test_a_revoked_link_uploads_nothing(app: FastAPI, api: httpx.AsyncClient) -> None:
    client = await make_client(app)
    made = (await (await _session(api, client)).upload(opower_csv(MAY, 1))).json()
    credential_id = made["utility_credential_id"]
    made_link = await api.post(
        f"/v1/utility_credentials/{credential_id}/connect_link", auth=client.auth, json={}
    )
    widget = await open_session(api, made_link.json()["url"].split("#token=")[1], link=True)
    revoked = await api.delete(f"/v1/connect_links/{made_link.json()['id']}", auth=client.auth)
    assert revoked.status_code in (200, 204), revoked.text
    assert_error(await widget.upload(opower_csv(MAY + timedelta(days=1), 1)), 401, "token_invalid")
    # Nothing of the refused file was stored.
    listed = await api.get(
        "/v1/utility_intervals",
        auth=client.auth,
        params={
            "meter_id": made["found"]["meters"][0]["meter_id"],
            "start": "2024-05-01T00:00:00Z",
            "end": "2024-05-04T00:00:00Z",
        },
    )
    assert len(listed.json()["data"]) == 24
