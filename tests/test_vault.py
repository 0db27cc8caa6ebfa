"""The credential vault on both databases: sealing, binding, shredding, and what a dump shows."""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from gridlink.kit.keyring import Keyring, StaticKeySource
from gridlink.kit.vault import Owner, SealedRef, SealedValueMissing, Vault, VaultError, envelope
from gridlink.models import DataKey, SealedSecret
from tests.factories import make_client

SRC = Path(__file__).resolve().parents[1] / "src" / "gridlink"


async def _seal(app: FastAPI, owner: Owner, field: str, plaintext: bytes) -> SealedRef:
    async with app.state.db.transaction() as session:
        ref: SealedRef = await app.state.vault.seal(
            session, owner=owner, field=field, plaintext=plaintext
        )
    return ref


async def _open(app: FastAPI, owner: Owner, field: str, vault: Vault | None = None) -> bytes:
    async with app.state.db.transaction(write=False) as session:
        opened: bytes = await (vault or app.state.vault).open(session, owner=owner, field=field)
    return opened


async def _rows(app: FastAPI) -> dict[tuple[str, str], tuple[DataKey, SealedSecret]]:
    async with app.state.db.transaction(write=False) as session:
        found = await session.execute(
            select(DataKey, SealedSecret).join(SealedSecret, SealedSecret.data_key_id == DataKey.id)
        )
        return {(d.record_id, s.field): (d, s) for d, s in found.all()}


async def _set_ciphertext(app: FastAPI, data_key_id: str, field: str, ciphertext: bytes) -> None:
    async with app.state.db.transaction() as session:
        row = await session.get(SealedSecret, (data_key_id, field))
        assert row is not None
        row.ciphertext = ciphertext


async def _expect_refusal(app: FastAPI, owner: Owner, field: str, secret: bytes) -> None:
    with pytest.raises(VaultError) as caught:
        await _open(app, owner, field)
    assert secret.decode() not in str(caught.value)
    assert "does not authenticate" in str(caught.value)


async def test_seal_open_and_replace(app: FastAPI) -> None:
    client = await make_client(app)
    owner = Owner(client.id, "ucr_1")
    ref = await _seal(app, owner, "password", b"hunter2")
    await _seal(app, owner, "mfa_session_token", b"cookie-jar")
    assert await _open(app, owner, "password") == b"hunter2"
    assert await _open(app, owner, "mfa_session_token") == b"cookie-jar"
    again = await _seal(app, owner, "password", b"correct horse")
    assert await _open(app, owner, "password") == b"correct horse"
    assert again.data_key_id == ref.data_key_id  # one data key per record
    assert ref.master_key_id == "ktest"
    with pytest.raises(SealedValueMissing):
        await _open(app, owner, "oauth_refresh_token")


async def test_same_plaintext_twice_gives_different_ciphertext_and_data_keys(app: FastAPI) -> None:
    client = await make_client(app)
    for record in ("ucr_a", "ucr_b"):
        await _seal(app, Owner(client.id, record), "password", b"same-password")
    rows = await _rows(app)
    (key_a, sealed_a), (key_b, sealed_b) = rows["ucr_a", "password"], rows["ucr_b", "password"]
    assert sealed_a.ciphertext != sealed_b.ciphertext
    assert key_a.wrapped_key != key_b.wrapped_key
    await _seal(app, Owner(client.id, "ucr_a"), "password", b"same-password")
    assert (await _rows(app))["ucr_a", "password"][1].ciphertext != sealed_a.ciphertext


async def test_ciphertext_moved_to_another_row_does_not_open(app: FastAPI) -> None:
    client = await make_client(app)
    first, second = Owner(client.id, "ucr_1"), Owner(client.id, "ucr_2")
    await _seal(app, first, "password", b"first-secret")
    await _seal(app, second, "password", b"second-secret")
    rows = await _rows(app)
    (key_1, sealed_1), (key_2, sealed_2) = rows["ucr_1", "password"], rows["ucr_2", "password"]
    await _set_ciphertext(app, key_1.id, "password", sealed_2.ciphertext)
    await _set_ciphertext(app, key_2.id, "password", sealed_1.ciphertext)
    await _expect_refusal(app, first, "password", b"second-secret")
    await _expect_refusal(app, second, "password", b"first-secret")


async def test_ciphertext_moved_to_another_field_does_not_open(app: FastAPI) -> None:
    client = await make_client(app)
    owner = Owner(client.id, "ucr_1")
    await _seal(app, owner, "password", b"the-password")
    await _seal(app, owner, "mfa_session_token", b"the-token")
    rows = await _rows(app)
    key, password = rows["ucr_1", "password"]
    await _set_ciphertext(app, key.id, "mfa_session_token", password.ciphertext)
    await _expect_refusal(app, owner, "mfa_session_token", b"the-password")


async def test_ciphertext_moved_to_another_client_does_not_open(app: FastAPI) -> None:
    alice = await make_client(app, name="Alice Energy")
    mallory = await make_client(app, name="Mallory Energy")
    victim, thief = Owner(alice.id, "ucr_same"), Owner(mallory.id, "ucr_same")
    await _seal(app, victim, "password", b"alice-secret")
    await _seal(app, thief, "password", b"mallory-secret")
    async with app.state.db.transaction(write=False) as session:
        keys = {k.client_id: k for k in (await session.scalars(select(DataKey))).all()}
        secrets = {s.data_key_id: s for s in (await session.scalars(select(SealedSecret))).all()}
    stolen = secrets[keys[alice.id].id].ciphertext
    await _set_ciphertext(app, keys[mallory.id].id, "password", stolen)
    await _expect_refusal(app, thief, "password", b"alice-secret")
    # Moving the wrapped data key along with the ciphertext does not help either.
    async with app.state.db.transaction() as session:
        row = await session.get(DataKey, keys[mallory.id].id)
        assert row is not None
        row.wrapped_key = keys[alice.id].wrapped_key
    with pytest.raises(VaultError, match="altered or moved"):
        await _open(app, thief, "password")


async def test_a_flipped_bit_does_not_open(app: FastAPI) -> None:
    client = await make_client(app)
    owner = Owner(client.id, "ucr_1")
    await _seal(app, owner, "password", b"pw")
    key, sealed = (await _rows(app))["ucr_1", "password"]
    flipped = bytes([*sealed.ciphertext[:-1], sealed.ciphertext[-1] ^ 1])
    await _set_ciphertext(app, key.id, "password", flipped)
    await _expect_refusal(app, owner, "password", b"pw")


async def test_destroy_shreds_the_data_key(app: FastAPI) -> None:
    client = await make_client(app)
    gone, kept = Owner(client.id, "ucr_gone"), Owner(client.id, "ucr_kept")
    await _seal(app, gone, "password", b"pw-1")
    await _seal(app, gone, "oauth_refresh_token", b"rt-1")
    await _seal(app, kept, "password", b"pw-2")
    first_key = (await _rows(app))["ucr_gone", "password"][0]
    async with app.state.db.transaction() as session:
        assert await app.state.vault.destroy(session, gone) is True
        assert await app.state.vault.destroy(session, gone) is False
    with pytest.raises(SealedValueMissing):
        await _open(app, gone, "password")
    async with app.state.db.transaction(write=False) as session:
        assert await session.get(DataKey, first_key.id) is None
        count = select(func.count()).select_from(SealedSecret)
        assert await session.scalar(count.where(SealedSecret.data_key_id == first_key.id)) == 0
    assert await _open(app, kept, "password") == b"pw-2"
    # A backup copy of the old ciphertext is useless: the record now has a new data key.
    await _seal(app, gone, "password", b"pw-3")
    assert (await _rows(app))["ucr_gone", "password"][0].id != first_key.id


async def test_a_database_dump_holds_no_plaintext(app: FastAPI, db_url: str) -> None:
    client = await make_client(app)
    canary = b"canary-" + os.urandom(8).hex().encode()
    for index, field in enumerate(("password", "mfa_session_token", "oauth_refresh_token")):
        await _seal(app, Owner(client.id, f"ucr_dump_{index}"), field, canary + field.encode())
    if app.state.db.is_sqlite:
        database = Path(make_url(db_url).database or "")
        dump = b"".join(p.read_bytes() for p in database.parent.glob(database.name + "*"))
    else:
        url = make_url(db_url)
        process = await asyncio.create_subprocess_exec(
            *("pg_dump", "--data-only", "-h", url.host or "127.0.0.1"),
            *("-U", url.username or "postgres", "-d", url.database or ""),
            stdout=asyncio.subprocess.PIPE,
        )
        dump, _ = await process.communicate()
        assert process.returncode == 0
    assert b"ucr_dump_2" in dump  # the dump does hold the vault's rows
    assert canary not in dump
    assert canary.hex().encode() not in dump  # nor as bytea hex


def test_nonces_never_repeat_over_100k_encryptions() -> None:
    data_key = envelope.new_data_key()
    nonces = {envelope.nonce_of(envelope.encrypt(data_key, b"x", b"aad")) for _ in range(100_000)}
    assert len(nonces) == 100_000


def test_only_the_vault_and_keyring_encrypt_and_nonces_come_from_urandom() -> None:
    users = sorted(
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if re.search(r"\bAESGCM\(|\bFernet\b|ChaCha20", path.read_text())
    )
    assert users == ["kit/keyring.py", "kit/vault/envelope.py"]
    nonces = [n for name in users for n in re.findall(r"nonce = (.+)", (SRC / name).read_text())]
    assert len(nonces) == 2
    assert all(re.fullmatch(r"os\.urandom\((NONCE_BYTES|_NONCE_LEN)\)", n) for n in nonces)


async def test_a_missing_master_key_is_named_not_guessed(app: FastAPI) -> None:
    client = await make_client(app)
    owner = Owner(client.id, "ucr_1")
    await _seal(app, owner, "password", b"pw")
    other_ring = Keyring.parse("kother:" + "B" * 43 + "=")
    stranger = Vault(StaticKeySource(other_ring), app.state.clock)
    with pytest.raises(VaultError, match="master key 'ktest', which is not in the key ring"):
        await _open(app, owner, "password", stranger)


@pytest.mark.parametrize("field", ["Password", "pass word", "", "x" * 41])
async def test_field_names_are_checked(app: FastAPI, field: str) -> None:
    client = await make_client(app)
    with pytest.raises(VaultError, match="field name"):
        await _seal(app, Owner(client.id, "ucr_1"), field, b"pw")


async def test_concurrent_first_seals_of_one_record_share_one_data_key(app: FastAPI) -> None:
    client = await make_client(app)
    owner = Owner(client.id, "ucr_race")
    fields = [f"field_{i}" for i in range(8)]
    await asyncio.gather(*(_seal(app, owner, f, f.encode()) for f in fields))
    rows = await _rows(app)
    assert {rows["ucr_race", f][0].id for f in fields} == {rows["ucr_race", "field_0"][0].id}
    assert [await _open(app, owner, f) for f in fields] == [f.encode() for f in fields]
