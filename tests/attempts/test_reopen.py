"""A connect token opens Connect again, each time in a new session, until it expires, until a
connection succeeds with it, or until its sessions used up their failed sign-ins (issue 10
item 4). Sessions of one token live side by side; the success of one ends the others."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
from fastapi import FastAPI

from gridlink.kit.clock import ManualClock
from tests.attempts.flows import connect_token, open_session
from tests.factories import assert_error, make_client

HOST = "https://app.acme.example"


async def start(api: httpx.AsyncClient, token: str) -> httpx.Response:
    return await api.post("/connect/api/sessions", json={"connect_token": token})


async def frame(api: httpx.AsyncClient, token: str) -> httpx.Response:
    return await api.post(
        "/connect/api/frames", json={"connect_token": token}, headers={"Origin": HOST}
    )


async def test_closing_at_consent_and_opening_again_shows_connect_again(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app, origins=[HOST])
    token = await connect_token(api, client, client_user_id="u1")
    first = await open_session(api, token, consent=False)
    assert first.data["step"] == "consent"
    assert (await first.post("/session/exit")).status_code == 204
    second = await open_session(api, token, consent=False)
    assert second.data["step"] == "consent"
    assert second.data["id"] != first.data["id"]
    # The loader's path opens it again too: each open a new frame URL with its own ticket.
    frames = [await frame(api, token), await frame(api, token)]
    assert [f.status_code for f in frames] == [200, 200]
    tickets = {f.json()["frame_url"].split("#ticket=")[1] for f in frames}
    assert len(tickets) == 2
    # ...and each ticket still trades once.
    ticket = tickets.pop()
    assert (await api.post("/connect/api/sessions", json={"frame_ticket": ticket})).is_success
    again = await api.post("/connect/api/sessions", json={"frame_ticket": ticket})
    assert_error(again, 401, "token_invalid")


async def test_opening_again_after_a_failed_sign_in_works_and_keeps_the_count(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app)
    token = await connect_token(api, client, client_user_id="u1", utility_id="sandbox_electric")
    first = await open_session(api, token)
    assert (await first.follow(await first.submit("user_good", "wrong")))["status"] == "rejected"
    await first.post("/session/exit")
    second = await open_session(api, token)
    assert second.data["step"] == "credentials"
    assert (await second.follow(await second.submit("user_good", "wrong")))["status"] == "rejected"
    third = await open_session(api, token)
    assert (await third.follow(await third.submit("user_good", "wrong")))["status"] == "rejected"
    # Three failures over the token's sessions: reopening does not reset the count.
    assert_error(
        await third.post("/attempts", {"username": "user_good", "password": "pass_good"}),
        429,
        "rate_limited",
    )
    refused = assert_error(await start(api, token), 401, "token_invalid")
    unknown = assert_error(await start(api, "glct_sandbox_unknown"), 401, "token_invalid")
    assert refused["message"] == unknown["message"]  # nothing tells why


async def test_a_success_spends_the_token_and_ends_its_other_sessions(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    """React StrictMode or a double click: two opens of one token, each its own session."""
    client = await make_client(app)
    token = await connect_token(api, client, client_user_id="u1", utility_id="sandbox_electric")
    kept = await open_session(api, token)
    other = await open_session(api, token)
    assert kept.bearer != other.bearer
    done = await kept.follow(await kept.submit("user_good"))
    assert done["status"] == "verified"
    completed = await kept.post(f"/attempts/{done['id']}/complete")
    assert completed.status_code == 200, completed.text
    # The other session is over (its next call is refused), and the token opens nothing more.
    assert_error(await other.get("/session"), 401, "token_invalid")
    assert_error(
        await other.post("/attempts", {"username": "user_good", "password": "pass_good"}),
        401,
        "token_invalid",
    )
    assert_error(await start(api, token), 401, "token_invalid")
    assert_error(await frame(api, token), 401, "token_invalid")


async def test_a_connected_session_takes_no_second_login(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app)
    token = await connect_token(api, client, client_user_id="u1", utility_id="sandbox_electric")
    widget = await open_session(api, token)
    assert (await widget.follow(await widget.submit("user_good")))["status"] == "verified"
    second = await widget.post("/attempts", {"username": "user_good+x", "password": "pass_good"})
    assert_error(second, 409, "conflict")


async def test_one_sign_in_at_a_time_across_the_sessions_of_a_token(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app)
    token = await connect_token(api, client, client_user_id="u1", utility_id="sandbox_electric")
    first = await open_session(api, token)
    second = await open_session(api, token)
    waiting = await first.follow(await first.submit("user_mfa_sms"), {"mfa_code"})
    busy = await second.post("/attempts", {"username": "user_good", "password": "pass_good"})
    assert "another Connect window" in str(assert_error(busy, 409, "conflict")["message"])
    await first.post(f"/attempts/{waiting['id']}/cancel")
    assert (await first.follow(waiting))["status"] == "cancelled"
    assert (await second.follow(await second.submit("user_good")))["status"] == "verified"


async def test_an_expired_token_opens_nothing(
    app: FastAPI, api: httpx.AsyncClient, clock: ManualClock
) -> None:
    client = await make_client(app)
    token = await connect_token(api, client, client_user_id="u1")
    await open_session(api, token)
    clock.advance(timedelta(hours=4, seconds=1))
    assert_error(await start(api, token), 401, "token_invalid")
    create = await connect_token(api, client, client_user_id="u2", utility_id="sandbox_electric")
    widget = await open_session(api, create)
    done = await widget.follow(await widget.submit("user_good"))
    assert done["status"] == "verified"
    repair = await connect_token(api, client, utility_credential_id=done["utility_credential_id"])
    await open_session(api, repair)
    clock.advance(timedelta(minutes=29))
    await open_session(api, repair)  # still opens within its 30 minutes
    clock.advance(timedelta(minutes=1, seconds=1))  # update mode: 30 minutes
    assert_error(await start(api, repair), 401, "token_invalid")


async def test_concurrent_opens_each_get_a_session(app: FastAPI, api: httpx.AsyncClient) -> None:
    """Many opens of one token at once (on PostgreSQL truly concurrent): every one answers
    with its own working session."""
    client = await make_client(app)
    token = await connect_token(api, client, client_user_id="u1", utility_id="sandbox_electric")
    answers = await asyncio.gather(*(start(api, token) for _ in range(8)))
    assert [a.status_code for a in answers] == [200] * 8, [a.text for a in answers]
    bearers = {a.json()["session_token"] for a in answers}
    assert len(bearers) == 8
    for bearer in bearers:
        seen = await api.get("/connect/api/session", headers={"Authorization": f"Bearer {bearer}"})
        assert seen.status_code == 200


async def test_an_open_racing_a_success_is_refused_or_ended(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    """An open that races the success spending the token either is refused or its session is
    ended with the others: never a live session of a spent token."""
    client = await make_client(app)
    token = await connect_token(api, client, client_user_id="u1", utility_id="sandbox_electric")
    widget = await open_session(api, token)
    attempt = await widget.submit("user_good")
    opens = [asyncio.create_task(start(api, token)) for _ in range(6)]
    done = await widget.follow(attempt)
    assert done["status"] == "verified"
    answers = await asyncio.gather(*opens)
    for answer in answers:
        if answer.status_code == 200:
            bearer = answer.json()["session_token"]
            seen = await api.get(
                "/connect/api/session", headers={"Authorization": f"Bearer {bearer}"}
            )
            assert_error(seen, 401, "token_invalid")
        else:
            assert_error(answer, 401, "token_invalid")
    assert_error(await start(api, token), 401, "token_invalid")


async def test_two_sign_ins_at_once_in_sessions_of_one_token_run_one_at_a_time(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    """The failure count of a token must not be outrun by parallel sign-ins (on PostgreSQL the
    two requests truly race)."""
    client = await make_client(app)
    for round_ in range(4):
        token = await connect_token(
            api, client, client_user_id=f"u{round_}", utility_id="sandbox_electric"
        )
        first, second = await open_session(api, token), await open_session(api, token)
        body = {"username": "user_mfa_sms", "password": "pass_good"}
        answers = await asyncio.gather(
            first.post("/attempts", body), second.post("/attempts", body)
        )
        assert sorted(a.status_code for a in answers) == [200, 409], [a.text for a in answers]


def _without_request_id(response: httpx.Response) -> tuple[int, dict[str, object]]:
    error = dict(response.json()["error"])
    error.pop("request_id")
    return response.status_code, error


async def test_every_refused_open_reads_the_same(
    app: FastAPI, api: httpx.AsyncClient, clock: ManualClock
) -> None:
    """Control 36: unknown, malformed, expired, spent, worn out and deleted tokens get one
    answer; so do unknown, used, revoked and expired links."""
    client = await make_client(app)

    async def token(user: str) -> str:
        return await connect_token(api, client, client_user_id=user, utility_id="sandbox_electric")

    spent = await token("spent")
    widget = await open_session(api, spent)
    done = await widget.follow(await widget.submit("user_good"))
    assert done["status"] == "verified"
    worn = await token("worn")
    widget = await open_session(api, worn)
    for _ in range(3):
        assert (await widget.follow(await widget.submit("user_good", "x")))["status"] == "rejected"
    deleted = await token("deleted")
    assert (await api.delete("/v1/users/deleted", auth=client.auth)).status_code == 204
    expired = await token("expired")

    link_of = done["utility_credential_id"]
    links = {}
    for name in ("used", "revoked", "expired"):
        made = await api.post(f"/v1/utility_credentials/{link_of}/connect_link", auth=client.auth)
        links[name] = (made.json()["id"], made.json()["url"].split("#token=", 1)[1])
    used = await open_session(api, links["used"][1], link=True)
    assert (await used.follow(await used.submit("user_good")))["status"] == "verified"
    await api.delete(f"/v1/connect_links/{links['revoked'][0]}", auth=client.auth)
    clock.advance(timedelta(hours=72, seconds=1))

    tokens = [spent, worn, deleted, expired, "glct_sandbox_" + "A" * 43, "not-a-token"]
    answers = [_without_request_id(await start(api, value)) for value in tokens]
    assert answers == [answers[0]] * len(tokens)
    assert answers[0][0] == 401
    link_values = [value for _id, value in links.values()] + ["glcl_sandbox_" + "A" * 43]
    link_answers = [
        _without_request_id(
            await api.post("/connect/api/sessions", json={"connect_link_token": value})
        )
        for value in link_values
    ]
    assert link_answers == [link_answers[0]] * len(link_values)
