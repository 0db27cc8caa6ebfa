"""Control 11 (security.md): a Connect session (opened with a connect token scoped to one end user
of one client) reaches only its own attempts. Another end user's attempt — of the same client or
of another client — is answered exactly like an id that does not exist (same status, same body
but for the request id), so a session can neither act on it nor learn that it exists."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from gridlink import Settings
from gridlink.kit.ids import new_id
from tests.attempts.flows import WidgetSession, sign_in
from tests.factories import TestClient, make_client


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The attempts' defaults, but an MFA code may come after 60 s, not 3: the test probes
    every route for every attempt while one waits for its code, which takes longer than 3 s
    on a busy machine (the wait ended as ``timeout`` before the test was done)."""
    return settings.model_copy(update={"connect_input_timeout_seconds": 60.0})


# Every widget route that names an attempt, with a body the route accepts.
ATTEMPT_ROUTES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/attempts/{id}", None),
    ("POST", "/attempts/{id}/mfa/option", {"option_id": "sms"}),
    ("POST", "/attempts/{id}/mfa/resend", None),
    ("POST", "/attempts/{id}/mfa/code", {"code": "123456"}),
    ("POST", "/attempts/{id}/cancel", None),
    ("POST", "/attempts/{id}/complete", None),
]


async def call(widget: WidgetSession, method: str, path: str, body: Any) -> httpx.Response:
    if method == "GET":
        return await widget.get(path, after_seq=0, wait=0)
    return await widget.post(path, body)


def without_request_id(response: httpx.Response) -> tuple[int, dict[str, Any]]:
    error = dict(response.json()["error"])
    assert error.pop("request_id") == response.headers["x-request-id"]
    return response.status_code, error


async def own_view(widget: WidgetSession, attempt_id: str) -> dict[str, Any]:
    response = await widget.get(f"/attempts/{attempt_id}", after_seq=0, wait=0)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def waiting_and_verified(
    api: httpx.AsyncClient, client: TestClient, user: str
) -> list[tuple[WidgetSession, dict[str, Any]]]:
    """Two sessions of end users of ``client``: one attempt waiting for its MFA code, one
    verified (two end users: a second token of one user would open update mode)."""
    waiting = await sign_in(api, client, f"user_mfa_sms+{user}", user=user)
    verified = await sign_in(api, client, f"user_good+{user}", user=f"{user}-2")
    assert waiting[1]["status"] == "mfa_code", waiting[1]
    assert verified[1]["status"] == "verified", verified[1]
    return [waiting, verified]


async def test_a_session_cannot_reach_another_end_users_attempts(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    ours = await make_client(app)
    theirs = await make_client(app)
    # End user A holds an attempt of its own (waiting for a code) while it probes.
    session_a, attempt_a = await sign_in(api, ours, "user_mfa_sms+a", user="a")
    assert attempt_a["status"] == "mfa_code"
    foreign = [
        *await waiting_and_verified(api, ours, "b"),  # same client, another end user
        *await waiting_and_verified(api, theirs, "c"),  # another client
    ]
    before = {attempt["id"]: await own_view(owner, attempt["id"]) for owner, attempt in foreign}

    for method, template, body in ATTEMPT_ROUTES:
        unknown = await call(session_a, method, template.format(id=new_id("att")), body)
        expected = without_request_id(unknown)
        assert expected[0] == 404
        assert expected[1]["code"] == "not_found"
        for _owner, attempt in foreign:
            probe = await call(session_a, method, template.format(id=attempt["id"]), body)
            assert probe.status_code == 404, (method, template, probe.text)
            assert without_request_id(probe) == expected, (method, template, attempt["status"])
            assert attempt["id"] not in probe.text
            assert attempt["utility_credential_id"] not in probe.text

    # Nothing the probes sent reached the attempts: each is as it was, and its own session can
    # still finish it (the code is accepted, the verified one completes).
    for owner, attempt in foreign:
        assert await own_view(owner, attempt["id"]) == before[attempt["id"]]
        if attempt["status"] == "mfa_code":
            sent = await owner.post(f"/attempts/{attempt['id']}/mfa/code", {"code": "123456"})
            assert sent.status_code == 200, sent.text
            ended = await owner.follow(sent.json())
            assert ended["status"] == "verified", ended
        else:
            done = await owner.post(f"/attempts/{attempt['id']}/complete")
            assert done.status_code == 200, done.text
    assert (await own_view(session_a, attempt_a["id"]))["status"] == "mfa_code"
