"""A Data Custodian's notification is a hint, on both databases: hostile or malformed bodies
are refused without a sync moving, a URI of no subscription we read changes nothing (and is
answered like one that does), and a resource inside a subscription counts for it."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI

from gridlink.greenbutton.custodian.espi_writer import batch_list
from gridlink.greenbutton.custodian.testing import Served
from gridlink.kit.clock import ManualClock
from tests.custodians.conftest import authorize, register, registered_id, widget_session
from tests.factories import make_client
from tests.sync.helpers import credential, wait_until_synced

ATOM = {"Content-Type": "application/atom+xml"}
BOMB = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    b"<BatchList><resources>&lol2;</resources></BatchList>"
)
EXTERNAL = (
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    b"<BatchList><resources>&e;</resources></BatchList>"
)


async def _connected(
    app: FastAPI, api: httpx.AsyncClient, custodian: Served
) -> tuple[object, str, str]:
    await register(app, custodian)
    client = await make_client(app)
    attempt = await authorize(api, await widget_session(api, client))
    credential_id = attempt["utility_credential_id"]
    await wait_until_synced(api, client, credential_id)
    (authorization,) = custodian.custodian.authorizations()
    uri = (
        f"{custodian.base_url}/espi/1_1/resource/Batch/Subscription/{authorization.subscription_id}"
    )
    return client, credential_id, uri


@pytest.mark.parametrize(
    "body",
    [BOMB, EXTERNAL, b"not xml", b"<Other><resources>x</resources></Other>"],
    ids=["entity-bomb", "external-entity", "not-xml", "not-a-batch-list"],
)
async def test_a_hostile_or_malformed_body_is_refused_and_moves_nothing(
    app: FastAPI, api: httpx.AsyncClient, custodian: Served, body: bytes
) -> None:
    client, credential_id, _uri = await _connected(app, api, custodian)
    before = (await credential(api, client, credential_id))["sync"]
    answer = await api.post(
        f"/green_button/notifications/{await registered_id(app)}", content=body, headers=ATOM
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["code"] == "invalid_request"
    assert "/etc/passwd" not in answer.text
    assert "root:" not in answer.text
    assert (await credential(api, client, credential_id))["sync"] == before


async def test_an_unknown_subscription_changes_nothing_and_looks_the_same(
    app: FastAPI, api: httpx.AsyncClient, custodian: Served
) -> None:
    client, credential_id, uri = await _connected(app, api, custodian)
    before = (await credential(api, client, credential_id))["sync"]
    custodian_id = await registered_id(app)
    elsewhere = [uri + "0", "https://attacker.example/espi/1_1/resource/Batch/Subscription/1"]
    answer = await api.post(
        f"/green_button/notifications/{custodian_id}", content=batch_list(elsewhere), headers=ATOM
    )
    assert (answer.status_code, answer.content) == (204, b"")
    assert (await credential(api, client, credential_id))["sync"] == before
    unknown = await api.post(
        "/green_button/notifications/gbc_nobody", content=batch_list([uri]), headers=ATOM
    )
    assert unknown.status_code == 404


async def test_a_resource_inside_the_subscription_counts_for_it(
    app: FastAPI, api: httpx.AsyncClient, custodian: Served, clock: ManualClock
) -> None:
    client, credential_id, uri = await _connected(app, api, custodian)
    custodian_id = await registered_id(app)
    clock.advance(timedelta(minutes=5))  # no sync is due for hours: only the notice runs one
    expected = clock.now().isoformat().replace("+00:00", "Z")
    answer = await api.post(
        f"/green_button/notifications/{custodian_id}",
        content=batch_list([f"{uri}/UsagePoint/1/MeterReading/1/IntervalBlock"]),
        headers=ATOM,
    )
    assert answer.status_code == 204
    for _ in range(600):
        body = await credential(api, client, credential_id)
        if body["last_synced_at"] == expected:
            break
        await asyncio.sleep(0.05)
    assert body["last_synced_at"] == expected, body


async def test_too_many_resources_are_refused(
    app: FastAPI, api: httpx.AsyncClient, custodian: Served
) -> None:
    await register(app, custodian)
    uris = [f"https://c.example/espi/1_1/resource/Batch/Subscription/{n}" for n in range(1001)]
    answer = await api.post(
        f"/green_button/notifications/{await registered_id(app)}",
        content=batch_list(uris),
        headers=ATOM,
    )
    assert answer.status_code == 422, answer.text
