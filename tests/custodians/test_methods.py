"""Several ways to connect one utility (issue 14 item 5), on both databases: a client's own
order of connection methods, a method it leaves out refused in Connect, and a login connector
that is down skipped (the utility reads degraded, login goes last)."""

from __future__ import annotations

from datetime import date

import httpx
import pytest
from fastapi import FastAPI

from gridlink.clients.service import ClientChanges, ClientError, update_client
from gridlink.greenbutton.custodian.testing import Served
from gridlink.utilities.methods import DOWN_AFTER
from tests.attempts.flows import FINISHED
from tests.custodians.conftest import UTILITY, register, widget_session
from tests.factories import TestClient, make_client
from tests.uploads.files import opower_csv


async def _prefer(app: FastAPI, client: TestClient, methods: list[str]) -> None:
    async with app.state.db.transaction() as session:
        await update_client(
            session, app.state.clock, client.id, ClientChanges(connection_methods=methods)
        )


async def _methods(api: httpx.AsyncClient, client: TestClient) -> tuple[str, list[str]]:
    body = (await api.get(f"/v1/utilities/{UTILITY}", auth=client.auth)).json()
    return body["status"], body["connection_methods"]


async def test_a_clients_order_applies_to_the_api_and_connect(
    app: FastAPI, api: httpx.AsyncClient, custodian: Served
) -> None:
    await register(app, custodian)
    client = await make_client(app)
    other = await make_client(app, name="Other App")
    assert await _methods(api, client) == ("active", ["green_button", "login", "file"])
    await _prefer(app, client, ["login", "green_button"])
    assert await _methods(api, client) == ("active", ["login", "green_button"])
    assert await _methods(api, other) == ("active", ["green_button", "login", "file"])
    widget = await widget_session(api, client)
    assert widget.data["utility"]["connection_methods"] == ["login", "green_button"]
    listed = await widget.get("/utilities", q="Sandbox Power")
    assert listed.json()["data"][0]["connection_methods"] == ["login", "green_button"]
    # Left out: no file in Connect for this client's end users.
    refused = await widget.upload(opower_csv(date(2024, 5, 1), 1))
    assert refused.status_code == 409, refused.text
    # Back to Gridlink's order.
    await _prefer(app, client, [])
    assert await _methods(api, client) == ("active", ["green_button", "login", "file"])


async def test_a_method_left_out_is_refused_in_connect(
    app: FastAPI, api: httpx.AsyncClient, custodian: Served
) -> None:
    await register(app, custodian)
    client = await make_client(app)
    await _prefer(app, client, ["file"])
    widget = await widget_session(api, client)
    assert widget.data["utility"]["connection_methods"] == ["file"]
    assert (await widget.post("/green_button/authorizations", {})).status_code == 409
    signed_in = await widget.post("/attempts", {"username": "user_good", "password": "pass_good"})
    assert signed_in.status_code == 409, signed_in.text


@pytest.mark.parametrize(
    "order", [["email"], ["login", "login"], [], ["login", "file", "green_button", "x"]]
)
async def test_an_order_must_name_known_methods_once(app: FastAPI, order: list[str]) -> None:
    client = await make_client(app)
    if not order:  # [] resets to the default: not an error
        await _prefer(app, client, order)
        return
    with pytest.raises(ClientError, match="connection methods"):
        await _prefer(app, client, order)


async def test_a_login_connector_that_is_down_goes_last(
    app: FastAPI, api: httpx.AsyncClient, custodian: Served
) -> None:
    client = await make_client(app)
    for run in range(DOWN_AFTER):
        widget = await widget_session(api, client, user=f"down-{run}")
        attempt = await widget.submit("user_down")
        ended = await widget.follow(attempt, FINISHED)
        assert ended["status_detail"] == "UTILITY_UNAVAILABLE", ended
        if run < DOWN_AFTER - 1:  # not yet: fewer than DOWN_AFTER in a row
            assert await _methods(api, client) == ("active", ["login", "file"])
    assert await _methods(api, client) == ("degraded", ["file", "login"])
    await register(app, custodian)
    assert await _methods(api, client) == ("degraded", ["green_button", "file", "login"])
    widget = await widget_session(api, client, user="after")
    assert widget.data["utility"]["status"] == "degraded"
    # One sign-in that works and the connector is up again.
    attempt = await widget.submit("user_good")
    assert (await widget.follow(attempt, FINISHED))["status"] == "verified"
    assert await _methods(api, client) == ("active", ["green_button", "login", "file"])
