"""Admins manage clients and webhook endpoints from the dashboard through the same services as
the CLI and /v1: the secret is in the answer once, never in the audit log or a later read."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from gridlink.operators.principal import Role
from tests.dashboard.helpers import get_json, signed_in
from tests.factories import assert_error, make_client

SECRET_PREFIXES = ("glsk_", "whsec_")


async def test_an_admin_creates_edits_and_rotates_a_client(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    async with signed_in(app, Role.ADMIN) as admin:
        created = await admin.post(
            "/dashboard/api/clients",
            json={"name": "Cedar Solar", "allowed_origins": ["https://cedar.example"]},
        )
        assert created.status_code == 201, created.text
        client_id, secret = created.json()["client_id"], created.json()["client_secret"]
        assert secret.startswith("glsk_sandbox_")
        token = await api.post(
            "/v1/auth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
        )
        assert token.status_code == 200  # the secret shown works
        edited = await admin.patch(
            f"/dashboard/api/clients/{client_id}",
            json={
                "allowed_origins": ["https://cedar.example", "https://app.cedar.example"],
                "branding": {"logo_url": None, "accent_color": "#0a7d5a"},
            },
        )
        assert edited.status_code == 200, edited.text
        assert sorted(edited.json()["allowed_origins"]) == [
            "https://app.cedar.example",
            "https://cedar.example",
        ]
        assert edited.json()["branding"] == {"logo_url": None, "accent_color": "#0a7d5a"}
        refused = await admin.patch(
            f"/dashboard/api/clients/{client_id}", json={"allowed_origins": ["not an origin"]}
        )
        assert_error(refused, 422, "invalid_request")
        rotated = await admin.post(f"/dashboard/api/clients/{client_id}/rotate_secret")
        assert rotated.status_code == 200
        new_secret = rotated.json()["client_secret"]
        assert new_secret != secret
        listed = (await get_json(admin, "/dashboard/api/clients"))["data"]
        assert [c["name"] for c in listed if c["id"] == client_id] == ["Cedar Solar"]
        audit = await admin.get("/dashboard/api/audit")
        assert audit.status_code == 200
        actions = [entry["action"] for entry in audit.json()["data"]]
        assert {"client.create", "client.update", "client.rotate_secret"} <= set(actions)
        for text in (audit.text, str(listed)):
            assert secret not in text
            assert new_secret not in text


async def test_an_admin_manages_webhook_endpoints(app: FastAPI) -> None:
    client = await make_client(app)
    async with signed_in(app, Role.ADMIN) as admin:
        made = await admin.post(
            "/dashboard/api/webhook_endpoints",
            json={"client_id": client.id, "url": "http://127.0.0.1:9/hook"},
        )
        assert made.status_code == 201, made.text
        endpoint = made.json()
        assert endpoint["secret"].startswith("whsec_")
        listed = await get_json(admin, "/dashboard/api/webhook_endpoints", client_id=client.id)
        assert [e["id"] for e in listed["data"]] == [endpoint["id"]]
        assert "secret" not in listed["data"][0]
        test = await admin.post(f"/dashboard/api/webhook_endpoints/{endpoint['id']}/test")
        assert test.status_code == 202, test.text
        event = await get_json(admin, f"/dashboard/api/events/{test.json()['id']}")
        assert [d["endpoint_id"] for d in event["deliveries"]] == [endpoint["id"]]
        disabled = await admin.post(f"/dashboard/api/webhook_endpoints/{endpoint['id']}/disable")
        assert disabled.json()["disabled"] is True
        overview = await get_json(admin, "/dashboard/api/overview")
        assert [e["id"] for e in overview["failing_endpoints"]] == [endpoint["id"]]
        enabled = await admin.post(f"/dashboard/api/webhook_endpoints/{endpoint['id']}/enable")
        assert enabled.json()["disabled"] is False
        rotated = await admin.post(
            f"/dashboard/api/webhook_endpoints/{endpoint['id']}/rotate_secret"
        )
        assert rotated.json()["secret"] != endpoint["secret"]
        audit = (await admin.get("/dashboard/api/audit")).text
        assert endpoint["secret"] not in audit
        assert rotated.json()["secret"] not in audit


async def test_admins_list_the_operators_without_their_secrets(app: FastAPI) -> None:
    async with signed_in(app, Role.SUPPORT), signed_in(app, Role.ADMIN) as admin:
        listed = await admin.get("/dashboard/api/operators")
    assert listed.status_code == 200, listed.text
    rows = listed.json()["data"]
    assert sorted(row["role"] for row in rows) == ["admin", "support"]
    assert all(row["email"].endswith("@example.com") for row in rows)
    assert set(rows[0]) == {
        "id",
        "email",
        "role",
        "client_ids",
        "totp",
        "disabled_at",
        "created_at",
    }
    assert "argon2" not in listed.text
