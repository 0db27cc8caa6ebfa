"""MFA token storage: the session token is reused, expires on the sandbox clock, and update
mode opens at the MFA step to refresh it."""

from __future__ import annotations

from pathlib import Path

import httpx
from fastapi import FastAPI

from tests.attempts.flows import connect_token, open_session, sign_in
from tests.attempts.test_scenarios import _after, _mfa, credential, event_types
from tests.factories import make_client

SANDBOX_DOC = Path(__file__).parents[2] / "docs" / "reference" / "sandbox.md"


def _sandbox_doc_row(username: str) -> list[str]:
    """The cells of the scenario table's row for ``username``."""
    for line in SANDBOX_DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith(f"| `{username}` |"):
            return [cell.strip() for cell in line.split("|")[1:-1]]
    raise AssertionError(f"sandbox.md has no row for {username}")


async def test_expired_mfa_session_is_refreshed_in_update_mode(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app)
    widget, attempt = await sign_in(api, client, "user_mfa_expiring")
    if attempt["status"] == "mfa_method":
        option = attempt["mfa"]["options"][0]["id"]
        chosen = await widget.post(f"/attempts/{attempt['id']}/mfa/option", {"option_id": option})
        attempt = await _after(widget, chosen.json(), attempt["seq"])
    done = await _mfa(widget, attempt, "123456")
    assert done["status"] == "verified"
    credential_id = done["utility_credential_id"]
    assert (await credential(app, credential_id)).mfa_session_expires_at is not None

    moved = await api.post("/v1/sandbox/clock", json={"advance_seconds": 3600}, auth=client.auth)
    assert moved.status_code == 200, moved.text
    row = await credential(app, credential_id)
    assert (row.status, row.status_detail, row.action_required) == (
        "rejected",
        "MULTI_FACTOR_AUTHENTICATION_REFRESH_REQUIRED",
        True,
    )
    assert "utility_credential_mfa_refresh_required" in await event_types(api, client)
    # docs/reference/sandbox.md says so too (it once said `pending`).
    ends_as = _sandbox_doc_row("user_mfa_expiring")[3]
    assert f"`{row.status}` · `{row.status_detail}` · action required" in ends_as

    token = await connect_token(api, client, utility_credential_id=credential_id)
    repair = await open_session(api, token)
    assert (repair.data["mode"], repair.data["step"]) == ("update", "mfa_refresh")
    started = await repair.post("/attempts", {})
    assert started.status_code == 200, started.text
    attempt = await repair.follow(
        started.json(), {"mfa_method", "mfa_code", "verified", "rejected", "error", "timeout"}
    )
    if attempt["status"] == "mfa_method":
        option = attempt["mfa"]["options"][0]["id"]
        chosen = await repair.post(f"/attempts/{attempt['id']}/mfa/option", {"option_id": option})
        attempt = await _after(repair, chosen.json(), attempt["seq"])
    assert attempt["status"] == "mfa_code"
    refreshed = await _mfa(repair, attempt, "123456")
    assert refreshed["status"] == "verified"
    assert refreshed["utility_credential_id"] == credential_id
    row = await credential(app, credential_id)
    assert (row.status, row.action_required) == ("verified", False)
