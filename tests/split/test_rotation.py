"""Rotating the split deployment's key pair while it serves (ADR 0012), the `gridlink keys`
commands of each key mode, and webhook signing secrets following a master key rotation."""

from __future__ import annotations

import asyncio
import random
import stat
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy import select

from gridlink import Settings, cli_keys, create_app
from gridlink.cli import main
from gridlink.kit.clock import ManualClock
from gridlink.kit.key_modes import open_process_keys
from gridlink.kit.keypairs import OpeningKeys, SealingKey
from gridlink.kit.keyring import KeySource, LiveRing, Ring, write_key_file
from gridlink.kit.vault import Owner, Vault, envelope, rewrap_all
from gridlink.kit.vault.rotation import VAULT_PASSES
from gridlink.models import WebhookEndpoint
from gridlink.webhooks.resealing import reseal_endpoint_secrets, secrets_per_key
from gridlink.webhooks.sealing import open_secret
from tests.factories import make_client
from tests.split.conftest import fields, open_field, seal_field

PASSES = (*VAULT_PASSES, ("webhook signing secret", reseal_endpoint_secrets))


class Traffic:
    """API processes seal (new records, and a second field into earlier ones) while workers
    seal their own and open everything sealed so far."""

    def __init__(self, api_app: FastAPI, worker: Vault, client_id: str) -> None:
        self.app, self.worker, self.client_id = api_app, worker, client_id
        self.sealed: dict[tuple[Owner, str], bytes] = {}
        self.errors: list[BaseException] = []
        self.stop = asyncio.Event()
        self.during = 0

    async def api_seal(self, name: str) -> None:
        owner = Owner(self.client_id, name)
        await seal_field(self.app, owner, "password", f"pw of {name}".encode())
        self.sealed[owner, "password"] = f"pw of {name}".encode()

    async def worker_seal(self, name: str) -> None:
        owner = Owner(self.client_id, name)
        async with self.app.state.db.transaction() as session:
            await self.worker.seal(session, owner=owner, field="session_token", plaintext=b"jar")
        self.sealed[owner, "session_token"] = b"jar"

    async def run(self, lane: int) -> None:
        rng = random.Random(lane)
        n = 0
        while not self.stop.is_set():
            try:
                await (self.api_seal if lane % 2 else self.worker_seal)(f"rec_{lane}_{n}")
                if lane % 2:  # an MFA code into an earlier API record
                    owner, _ = rng.choice([k for k in self.sealed if k[1] == "password"])
                    await seal_field(self.app, owner, "mfa_code", b"123456")
                    self.sealed[owner, "mfa_code"] = b"123456"
                (owner, field) = rng.choice(list(self.sealed))
                assert (
                    await open_field(self.app, self.worker, owner, field)
                    == self.sealed[owner, field]
                )
                self.during += 1
            except Exception as exc:  # every failure is a lost secret: collect, assert later
                self.errors.append(exc)
            n += 1
            await asyncio.sleep(0)


async def _usage(app: FastAPI) -> tuple[set[str], set[str], set[str]]:
    """Key ids that wrap data keys, that fields are sealed to, that seal webhook secrets."""
    from gridlink.kit.vault.repository import VaultRepository

    async with app.state.db.transaction(write=False) as session:
        repo = VaultRepository(session)
        wrapping = set(await repo.count_by_master_key())
        fields = set(await repo.count_fields_by_key_pair())
    return wrapping, fields, set(await secrets_per_key(app.state.db))


async def test_rotating_the_key_pair_while_serving_loses_nothing(
    api_app: FastAPI,
    api: httpx.AsyncClient,
    api_settings: Settings,
    worker_settings: Settings,
    worker_vault: Vault,
    worker_keys: KeySource[Ring],
    pairs: OpeningKeys,
    capsys: pytest.CaptureFixture[str],
) -> None:
    client = await make_client(api_app)
    secrets = {}
    for n in range(2):
        created = await api.post(
            "/v1/webhook_endpoints", json={"url": f"http://localhost:4000/{n}"}, auth=client.auth
        )
        assert created.status_code == 201, created.text
        secrets[created.json()["id"]] = created.json()["secret"]
    traffic = Traffic(api_app, worker_vault, client.id)
    for n in range(20):
        await traffic.api_seal(f"before_api_{n}")
        await traffic.worker_seal(f"before_worker_{n}")
    old_id = pairs.primary_id

    lanes = [asyncio.create_task(traffic.run(lane)) for lane in range(4)]
    await asyncio.sleep(0.05)
    assert cli_keys.rotate(worker_settings, batch_size=7) == 0  # workers re-read opening.keys
    new_id = open_process_keys(worker_settings).secrets.current().primary_id
    assert new_id != old_id
    assert f"GRIDLINK_SEALING_KEY={new_id}:" in capsys.readouterr().out
    await asyncio.sleep(0.05)  # API processes still seal to the old key pair meanwhile
    published = (worker_settings.data_dir / "sealing.pub").read_text().strip()
    write_key_file(api_settings.data_dir / "sealing.pub", published, 0o644)  # the operator
    served_before = traffic.during
    report = await rewrap_all(
        api_app.state.db,
        worker_keys,
        api_app.state.clock,
        batch_size=7,
        settle_seconds=0.3,
        passes=PASSES,
    )
    served_while_rotating = traffic.during - served_before
    traffic.stop.set()
    await asyncio.gather(*lanes)

    assert traffic.errors == []
    assert served_while_rotating > 0
    assert report.finished
    assert not report.unreadable
    assert report.by_kind["data key"] >= 20
    assert report.by_kind["webhook signing secret"] == 2
    wrapping, sealed_to, webhooks = await _usage(api_app)
    assert wrapping == {new_id}
    assert sealed_to <= {new_id}  # fields sealed after the switch stay sealed to the new pair
    assert webhooks == {new_id}
    await seal_field(api_app, Owner(client.id, "after"), "password", b"pw")
    sealed = (await fields(api_app))["after", "password"][1]
    assert envelope.sealed_to_key_id(sealed.ciphertext) == new_id  # the API seals to the new one

    assert await asyncio.to_thread(cli_keys.retire, worker_settings, old_id) == 0
    assert old_id not in (worker_settings.data_dir / "opening.keys").read_text()
    fresh = Vault(open_process_keys(worker_settings).secrets, api_app.state.clock)
    for (owner, field), plaintext in traffic.sealed.items():
        assert await open_field(api_app, fresh, owner, field) == plaintext
    ring = LiveRing(open_process_keys(worker_settings).secrets)
    async with api_app.state.db.transaction(write=False) as session:
        rows = (await session.scalars(select(WebhookEndpoint))).all()
    assert {r.id: open_secret(ring, client.id, r.id, r.secret_sealed) for r in rows} == secrets


def test_keys_commands_of_a_split_deployment(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    workers, apis = tmp_path / "worker", tmp_path / "api"
    monkeypatch.setenv("GRIDLINK_DATABASE_URL", db_url)
    monkeypatch.setenv("GRIDLINK_MIGRATE_ON_START", "false")
    monkeypatch.setenv("GRIDLINK_KEY_MODE", "worker")
    monkeypatch.setenv("GRIDLINK_DATA_DIR", str(workers))
    assert main(["keys", "init"]) == 0
    assert stat.S_IMODE((workers / "opening.keys").stat().st_mode) == 0o600
    assert stat.S_IMODE((workers / "sealing.pub").stat().st_mode) == 0o644
    capsys.readouterr()
    assert main(["keys", "init"]) == 2  # never overwrites a key pair
    assert "already exists" in capsys.readouterr().err
    assert main(["keys", "public"]) == 0
    public = capsys.readouterr().out.strip()
    assert public == (workers / "sealing.pub").read_text().strip()
    sealing = SealingKey.parse(public)
    assert main(["keys", "public", "--output", str(tmp_path / "out.pub")]) == 0
    assert (tmp_path / "out.pub").read_text().strip() == public
    assert main(["keys", "init", "--print"]) == 0
    printed = capsys.readouterr().out
    assert "GRIDLINK_OPENING_KEYS=x" in printed
    assert "GRIDLINK_SEALING_KEY=x" in printed

    monkeypatch.setenv("GRIDLINK_KEY_MODE", "api")
    monkeypatch.setenv("GRIDLINK_DATA_DIR", str(apis))
    monkeypatch.setenv("GRIDLINK_SEALING_KEY", public)
    assert main(["keys", "init"]) == 0
    assert stat.S_IMODE((apis / "api.keys").stat().st_mode) == 0o600
    assert main(["keys", "rewrap"]) == 2
    assert "cannot open secrets" in capsys.readouterr().err
    assert main(["keys", "public"]) == 2  # no opening keys here to read
    assert main(["worker"]) == 2  # a worker opens secrets
    assert main(["serve"]) == 2  # the in-process worker would too
    assert "--no-worker" in capsys.readouterr().err
    assert main(["keys", "list"]) == 0
    listed = capsys.readouterr().out
    assert f"{sealing.key_id}  sealing (public key; opens nothing)" in listed
    assert "api primary" in listed

    monkeypatch.setenv("GRIDLINK_KEY_MODE", "worker")
    monkeypatch.setenv("GRIDLINK_DATA_DIR", str(workers))
    monkeypatch.delenv("GRIDLINK_SEALING_KEY")
    assert main(["keys", "rotate"]) == 0
    rotated = OpeningKeys.parse((workers / "opening.keys").read_text())
    assert rotated.primary_id != sealing.key_id
    assert sealing.key_id in rotated.keys
    assert main(["keys", "list"]) == 0
    listed = capsys.readouterr().out
    assert f"{rotated.primary_id}  primary" in listed
    assert f"{sealing.key_id}  older" in listed
    assert main(["keys", "retire", rotated.primary_id]) == 2
    assert main(["keys", "retire", sealing.key_id]) == 0
    assert sealing.key_id not in (workers / "opening.keys").read_text()


async def test_retiring_a_key_in_use_by_a_webhook_secret_waits_for_the_rewrap(
    db_url: str, tmp_path: Path, clock: ManualClock, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before, `keys rewrap` left signing secrets under the old master key and `keys retire`
    removed it anyway: deliveries of that endpoint could no longer be signed."""
    settings = Settings(
        database_url=db_url, data_dir=tmp_path / "data", migrate_on_start=False, run_worker=False
    )
    app = create_app(settings, clock=clock)
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as api:
            client = await make_client(app)
            created = await api.post(
                "/v1/webhook_endpoints", json={"url": "http://localhost:4000/"}, auth=client.auth
            )
        assert created.status_code == 201, created.text
        old_id = app.state.keyring.primary_id
        assert await asyncio.to_thread(cli_keys.rotate, settings, 10) == 0
        assert "re-sealed 1 webhook signing secret(s)" in capsys.readouterr().out
        assert await asyncio.to_thread(cli_keys.retire, settings, old_id) == 0
        async with app.state.db.transaction(write=False) as session:
            row = await session.scalar(select(WebhookEndpoint))
        assert row is not None
        assert not app.state.keyring.holds(old_id)
        opened = open_secret(app.state.keyring, client.id, row.id, row.secret_sealed)
        assert opened == created.json()["secret"]


async def test_retire_refuses_while_a_webhook_secret_uses_the_key(
    db_url: str, tmp_path: Path, clock: ManualClock, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(
        database_url=db_url, data_dir=tmp_path / "data", migrate_on_start=False, run_worker=False
    )
    app = create_app(settings, clock=clock)
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as api:
            client = await make_client(app)
            created = await api.post(
                "/v1/webhook_endpoints", json={"url": "http://localhost:4000/"}, auth=client.auth
            )
        assert created.status_code == 201
        old_id = app.state.keyring.primary_id
        from gridlink.kit.keyring import add_primary_key, key_file_path

        add_primary_key(key_file_path(settings.data_dir))  # rotated, not yet re-wrapped
        assert await asyncio.to_thread(cli_keys.retire, settings, old_id) == 2
        assert "webhook secrets: 1" in capsys.readouterr().err


async def test_an_existing_deployment_moves_to_the_split_and_drops_its_master_keys(
    db_url: str, tmp_path: Path, clock: ManualClock
) -> None:
    """Values sealed under master keys before the split: a worker keeps the master key file
    only until `keys rewrap` moved them to the key pair, then `keys retire` removes it."""
    folder = tmp_path / "data"
    before = Settings(
        database_url=db_url, data_dir=folder, migrate_on_start=False, run_worker=False
    )
    app = create_app(before, clock=clock)
    async with LifespanManager(app):
        client = await make_client(app)
        owner = Owner(client.id, "ucr_old")
        await seal_field(app, owner, "password", b"sealed-before-the-split")
        master_id = app.state.keyring.primary_id
        pairs = OpeningKeys.generate()
        (folder / "opening.keys").write_text(pairs.serialize())
        after = before.model_copy(update={"key_mode": "worker"})
        worker = Vault(open_process_keys(after).secrets, clock)
        assert await open_field(app, worker, owner, "password") == b"sealed-before-the-split"
        assert await asyncio.to_thread(cli_keys.retire, after, master_id) == 2  # still in use
        assert await asyncio.to_thread(cli_keys.rewrap, after, 10) == 0
        assert await asyncio.to_thread(cli_keys.retire, after, master_id) == 0
        assert not (folder / "master.keys").exists()
        fresh = Vault(open_process_keys(after).secrets, clock)
        assert await open_field(app, fresh, owner, "password") == b"sealed-before-the-split"
        (data_key, _) = (await fields(app))["ucr_old", "password"]
        assert data_key.master_key_id == pairs.primary_id
