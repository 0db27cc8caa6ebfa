"""No control character reaches a handler (issue 11, item 5).

A NUL byte once ended in a 500 on PostgreSQL (asyncpg cannot send it in text) wherever a string
went to the database unchecked. Now every request is checked at the edge: each string it
carries (path, query, the headers, JSON and form bodies) holding a character of Unicode
category Cc is answered 422 `invalid_request`, naming where. Checked on every operation of the
OpenAPI document, each of its strings in turn, on both databases, and as a Hypothesis property
(any Cc character, anywhere in any string of any operation).
"""

from __future__ import annotations

import base64
import unicodedata

import httpx
import pytest
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.attempts.flows import connect_token, open_session
from tests.factories import assert_error, make_client
from tests.openapi_calls import Call, Caller, Slot, every_call, original, slots, with_text

CALLS = every_call()
TARGETS = [(call, slot) for call in CALLS for slot in slots(call)]
CONTROLS = [chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) == "Cc"]


@pytest.fixture
async def caller(app: FastAPI, api: httpx.AsyncClient) -> Caller:
    client = await make_client(app)
    token = await connect_token(api, client, client_user_id="user-1")
    widget = await open_session(api, token)
    basic = base64.b64encode(f"{client.id}:{client.secret}".encode()).decode()
    return Caller(api, f"Basic {basic}", f"Bearer {widget.bearer}")


def test_the_rule_is_every_cc_character() -> None:
    assert len(CONTROLS) == 65  # C0 (32), DEL, C1 (32)
    assert {"\x00", "\t", "\n", "\r", "\x7f", "\x85", "\x9f"} <= set(CONTROLS)
    assert len(CALLS) >= 50  # every documented operation
    assert {slot.where for _, slot in TARGETS} == {"path", "query", "header", "body"}


async def _assert_refused(caller: Caller, call: Call, slot: Slot, text: str) -> None:
    response = await caller.send(with_text(call, slot, text))
    where = f"{call.label} {slot.where}:{slot.name}"
    assert response.status_code == 422, (where, response.status_code, response.text)
    error = assert_error(response, 422, "invalid_request")
    assert error["fields"] == [slot.field], where
    char = next(c for c in text if c in CONTROLS)
    assert f"U+{ord(char):04X}" in str(error["message"]), where


async def test_a_nul_in_any_string_of_any_operation_is_refused(caller: Caller) -> None:
    """Every operation, every string it takes, in turn: NUL in the middle of its example."""
    for call, slot in TARGETS:
        value = original(call, slot) or "a"
        text = value[:1] + "\x00" + value[1:]
        if slot.where == "header":
            text = "a\x00b"
        await _assert_refused(caller, call, slot, text)


@settings(
    max_examples=150,
    derandomize=True,  # the same cases every run
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    target=st.sampled_from(TARGETS),
    char=st.sampled_from(CONTROLS),
    before=st.text(st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"]), max_size=5),
    after=st.text(st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"]), max_size=5),
)
async def test_any_control_character_anywhere_is_refused_with_the_envelope(
    caller: Caller, target: tuple[Call, Slot], char: str, before: str, after: str
) -> None:
    call, slot = target
    if slot.where == "header":
        # Header values travel as bytes: HTTP allows a tab, and bytes from 0x80 are other
        # characters' UTF-8; C0 (but tab) and DEL are refused there.
        if char == "\t" or ord(char) >= 0x80:
            response = await caller.send(with_text(call, slot, f"a{char}b"))
            assert response.status_code < 500, response.text
            return
        before = after = "a"
    await _assert_refused(caller, call, slot, before + char + after)


async def test_the_reported_requests_are_refused(app: FastAPI, api: httpx.AsyncClient) -> None:
    """The requests of the issue, each a 500 on PostgreSQL before."""
    client = await make_client(app)
    token = await connect_token(api, client, client_user_id="user-1")
    widget = await open_session(api, token)
    for response, field in [
        (await api.get("/v1/utilities/sandbox_electric%00", auth=client.auth), "path"),
        (
            await api.post(
                "/v1/auth/connect_token",
                json={"client_user_id": "u", "utility_id": "\u0000"},
                auth=client.auth,
            ),
            "utility_id",
        ),
        (
            await api.post(
                "/v1/auth/connect_token",
                json={"utility_credential_id": "ucr_\u0000"},
                auth=client.auth,
            ),
            "utility_credential_id",
        ),
        (
            await api.post(
                "/v1/widget_url",
                json={"utility_credential_id": "\u0000", "target_origin": "https://a.example"},
                auth=client.auth,
            ),
            "utility_credential_id",
        ),
        (await widget.get("/utilities", q="a\x00"), "q"),
        (await api.get("/connect/frame?client=cli_%00"), "client"),
        (await api.get("/connect/link?x=%0a"), "x"),
    ]:
        assert assert_error(response, 422, "invalid_request")["fields"] == [field]


async def test_a_form_body_and_a_key_are_checked_too(api: httpx.AsyncClient) -> None:
    form = await api.post(
        "/v1/auth/token", data={"grant_type": "client_credentials", "scope": "a\x1bb"}
    )
    assert assert_error(form, 422, "invalid_request")["fields"] == ["scope"]
    key = await api.post("/connect/api/sessions", json={"connect_token": "x", "a\nb": 1})
    error = assert_error(key, 422, "invalid_request")
    assert error["fields"] == ["body"]
    assert "a\nb" not in str(error)  # where, never the value


async def test_other_characters_pass(app: FastAPI, api: httpx.AsyncClient) -> None:
    """Letters of any script, emoji, symbols: not control characters; a tab in a header value
    is HTTP's own."""
    client = await make_client(app)
    user = "José Ñandú 🙂 ½ 中文 \u2028 \u200b"
    created = await api.post(
        "/v1/auth/connect_token",
        json={"client_user_id": user},
        headers={"User-Agent": "agent\twith tab"},
        auth=client.auth,
    )
    assert created.status_code == 200, created.text
    listed = await api.get("/v1/users", auth=client.auth)
    assert [u["client_user_id"] for u in listed.json()["data"]] == [user]
