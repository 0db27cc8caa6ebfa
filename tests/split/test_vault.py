"""The split deployment on both databases (ADR 0012): an API-mode app seals what end users and
clients send and cannot open it; a worker-mode vault opens it; swapped ciphertexts fail;
crypto-shredding still shreds; the API's own saved responses still replay."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from gridlink import Settings
from gridlink.kit.keypairs import OpeningKeys, SealingKey
from gridlink.kit.keyring import KeyringError, KeySource, LiveRing, Ring, SealOnlyError
from gridlink.kit.vault import Owner, SealedValueMissing, SealOnly, Vault, VaultError, envelope
from gridlink.models import DataKey, IdempotencyKey, WebhookEndpoint
from gridlink.webhooks.sealing import open_secret
from tests.attempts.flows import FINISHED, connect_token, open_session
from tests.factories import make_client
from tests.split.conftest import (
    all_fields,
    fields,
    open_field,
    running_worker,
    seal_field,
    set_ciphertext,
)


async def test_the_api_seals_a_submitted_password_that_only_a_worker_opens(
    api_app: FastAPI,
    api: httpx.AsyncClient,
    worker_settings: Settings,
    worker_vault: Vault,
    pairs: OpeningKeys,
) -> None:
    client = await make_client(api_app)
    token = await connect_token(api, client, client_user_id="u-1", utility_id="sandbox_electric")
    widget = await open_session(api, token)
    attempt = await widget.submit("user_good", "pass_good")  # queued: no worker runs yet

    owner = Owner(client.id, attempt["id"])
    (data_key, sealed) = (await fields(api_app))[attempt["id"], "password"]
    assert envelope.is_sealed_to_key(sealed.ciphertext)
    assert envelope.sealed_to_key_id(sealed.ciphertext) == pairs.primary_id
    assert data_key.master_key_id == pairs.primary_id
    assert b"pass_good" not in sealed.ciphertext
    with pytest.raises(SealOnly, match="holds only the public sealing key"):
        await open_field(api_app, api_app.state.vault, owner, "password")
    assert await open_field(api_app, worker_vault, owner, "password") == b"pass_good"
    ring = api_app.state.vault.keys.current()
    assert isinstance(ring, SealingKey)
    assert not ring.can_open

    async with running_worker(api_app, worker_settings, worker_vault):
        done = await widget.follow(attempt, FINISHED)
    assert done["status"] == "verified", done
    credential = Owner(client.id, done["utility_credential_id"])
    assert await open_field(api_app, worker_vault, credential, "password") == b"pass_good"
    with pytest.raises(SealOnly):
        await open_field(api_app, api_app.state.vault, credential, "password")
    (credential_key, credential_field) = (await fields(api_app))[credential.record_id, "password"]
    assert credential_key.master_key_id == pairs.primary_id  # its data key: wrapped by the pair
    assert not envelope.is_sealed_to_key(credential_field.ciphertext)  # sealed by the worker
    assert attempt["id"] not in {record for record, _ in await fields(api_app)}  # shredded


async def test_a_second_field_sealed_into_an_existing_record_opens_too(
    api_app: FastAPI, worker_vault: Vault
) -> None:
    """An MFA code arrives after the password, for a record whose data key the API cannot
    unwrap: it is sealed to the key pair, under the same record."""
    client = await make_client(api_app)
    owner = Owner(client.id, "att_1")
    await seal_field(api_app, owner, "password", b"pw")
    await seal_field(api_app, owner, "mfa_code", b"123456")
    await seal_field(api_app, owner, "mfa_code", b"654321")  # a second try replaces the first
    rows = await fields(api_app)
    assert rows["att_1", "password"][0].id == rows["att_1", "mfa_code"][0].id
    assert await open_field(api_app, worker_vault, owner, "mfa_code") == b"654321"
    async with api_app.state.db.transaction() as session:  # and a worker adds its own field
        await worker_vault.seal(session, owner=owner, field="session_token", plaintext=b"jar")
    assert await open_field(api_app, worker_vault, owner, "session_token") == b"jar"
    assert await open_field(api_app, worker_vault, owner, "password") == b"pw"


async def test_swapped_ciphertexts_do_not_open(api_app: FastAPI, worker_vault: Vault) -> None:
    alice = await make_client(api_app, name="Alice Energy")
    mallory = await make_client(api_app, name="Mallory Energy")
    victim, thief = Owner(alice.id, "ucr_same"), Owner(mallory.id, "ucr_same")
    await seal_field(api_app, victim, "password", b"alice-secret")
    await seal_field(api_app, victim, "username", b"alice")
    await seal_field(api_app, thief, "password", b"mallory-secret")
    keys = {d.client_id: d for (d, _) in await all_fields(api_app)}
    rows = {(d.client_id, s.field): s for (d, s) in await all_fields(api_app)}
    stolen = rows[alice.id, "password"].ciphertext

    await set_ciphertext(api_app, keys[mallory.id].id, "password", stolen)  # another tenant
    with pytest.raises(VaultError, match="does not authenticate") as caught:
        await open_field(api_app, worker_vault, thief, "password")
    assert "alice-secret" not in str(caught.value)
    await set_ciphertext(api_app, keys[alice.id].id, "username", stolen)  # another field
    with pytest.raises(VaultError, match="does not authenticate"):
        await open_field(api_app, worker_vault, victim, "username")
    async with api_app.state.db.transaction() as session:  # the wrapped data key, moved too
        row = await session.get(DataKey, keys[mallory.id].id)
        assert row is not None
        row.wrapped_key = keys[alice.id].wrapped_key
    async with api_app.state.db.transaction() as session:
        await worker_vault.seal(session, owner=victim, field="note", plaintext=b"x")
        with pytest.raises(VaultError, match="altered or moved"):
            await worker_vault.seal(session, owner=thief, field="note", plaintext=b"x")
    assert await open_field(api_app, worker_vault, victim, "password") == b"alice-secret"


async def test_shredding_a_record_the_api_sealed(api_app: FastAPI, worker_vault: Vault) -> None:
    client = await make_client(api_app)
    gone, kept = Owner(client.id, "ucr_gone"), Owner(client.id, "ucr_kept")
    await seal_field(api_app, gone, "password", b"pw-1")
    await seal_field(api_app, kept, "password", b"pw-2")
    backup = (await fields(api_app))["ucr_gone", "password"][1].ciphertext
    async with api_app.state.db.transaction() as session:  # DELETE runs in the API
        assert await api_app.state.vault.destroy(session, gone) is True
    with pytest.raises(SealedValueMissing):
        await open_field(api_app, worker_vault, gone, "password")
    await seal_field(api_app, gone, "password", b"pw-3")  # the record comes back: a new data key
    data_key = (await fields(api_app))["ucr_gone", "password"][0]
    await set_ciphertext(api_app, data_key.id, "password", backup)  # an old copy restored
    with pytest.raises(VaultError, match="does not authenticate"):
        await open_field(api_app, worker_vault, gone, "password")
    assert await open_field(api_app, worker_vault, kept, "password") == b"pw-2"


async def test_webhook_secrets_are_sealed_for_the_workers(
    api_app: FastAPI, api: httpx.AsyncClient, worker_keys: KeySource[Ring], pairs: OpeningKeys
) -> None:
    client = await make_client(api_app)
    response = await api.post(
        "/v1/webhook_endpoints", json={"url": "http://localhost:4000/hook"}, auth=client.auth
    )
    assert response.status_code == 201, response.text
    created = response.json()
    async with api_app.state.db.transaction(write=False) as session:
        row = await session.scalar(select(WebhookEndpoint))
    assert row is not None
    assert row.secret_sealed.startswith(pairs.primary_id.encode() + b"\0")
    with pytest.raises(SealOnlyError):
        open_secret(api_app.state.keyring, client.id, row.id, row.secret_sealed)
    worker = LiveRing(worker_keys)
    assert open_secret(worker, client.id, row.id, row.secret_sealed) == created["secret"]


async def test_the_api_replays_saved_responses_with_its_own_keys(
    api_app: FastAPI, api: httpx.AsyncClient, pairs: OpeningKeys
) -> None:
    client = await make_client(api_app)
    headers = {"Idempotency-Key": "split-1"}
    body = {"client_user_id": "u-1"}
    first = await api.post("/v1/auth/connect_token", json=body, headers=headers, auth=client.auth)
    again = await api.post("/v1/auth/connect_token", json=body, headers=headers, auth=client.auth)
    assert first.status_code == again.status_code == 200, first.text
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json() == first.json()
    async with api_app.state.db.transaction(write=False) as session:
        saved = await session.scalar(select(IdempotencyKey))
    assert saved is not None
    assert saved.response is not None
    assert saved.response.startswith(b"kapi\0")  # the API keys, not the key pair
    assert first.json()["connect_token"].encode() not in saved.response
    with pytest.raises(KeyringError):  # and those keys open no utility secret
        OpeningKeys.generate().open_sealed(saved.response, context=b"", aad=b"")
