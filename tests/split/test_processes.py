"""The split deployment as it runs (PostgreSQL): `gridlink serve --no-worker` in API mode and a
`gridlink worker` in worker mode. A `user_good` sign-in through the widget API ends verified,
and the API process holds no private key: not in its environment, not in its data folder, not
anywhere in its memory (the same scan finds the key in the worker's memory, so it can see one)."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from gridlink.kit.keypairs import OpeningKeys
from gridlink.kit.keyring import Keyring
from tests.conftest import DATABASES, _empty_tables
from tests.own_postgres import free_port
from tests.processes import GRIDLINK, follow, start, wait_ready

API_KEYS = "kapi:" + base64.b64encode(b"\x05" * 32).decode()
SKIPPED_MAPPINGS = {"[vvar]", "[vvar_vclock]", "[vsyscall]"}

pytestmark = pytest.mark.skipif(
    "postgresql" not in DATABASES, reason="separate processes share a PostgreSQL database"
)


def _private_bytes(pairs: OpeningKeys) -> list[bytes]:
    return [base64.b64decode(k) for k in (e.split(":")[1] for e in pairs.serialize().split(","))]


def memory_holds(pid: int, needles: list[bytes]) -> set[bytes]:
    """Which of ``needles`` appear anywhere in the readable memory of process ``pid``."""
    found: set[bytes] = set()
    with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb", 0) as memory:
        for line in maps:
            fields = line.split()
            if "r" not in fields[1] or (len(fields) > 5 and fields[5] in SKIPPED_MAPPINGS):
                continue
            start, end = (int(x, 16) for x in fields[0].split("-"))
            try:
                memory.seek(start)
                chunk = memory.read(end - start)
            except (OSError, ValueError, OverflowError):  # a mapping that went away meanwhile
                continue
            found.update(n for n in needles if n in chunk)
    return found


@pytest.fixture
def split_env(database_urls: dict[str, str], tmp_path: Path) -> Iterator[dict[str, dict[str, str]]]:
    url = database_urls["postgresql"]
    pairs = OpeningKeys.generate()
    base = {k: v for k, v in os.environ.items() if not k.startswith("GRIDLINK_")}
    base.update(
        GRIDLINK_DATABASE_URL=url,
        GRIDLINK_LOG_LEVEL="warning",
        GRIDLINK_WORKER_POLL_SECONDS="0.1",
        GRIDLINK_MIGRATE_ON_START="false",
    )
    api = base | {
        "GRIDLINK_KEY_MODE": "api",
        "GRIDLINK_DATA_DIR": str(tmp_path / "api"),
        "GRIDLINK_SEALING_KEY": pairs.sealing_key().serialize(),
        "GRIDLINK_API_KEYS": API_KEYS,
    }
    worker = base | {
        "GRIDLINK_KEY_MODE": "worker",
        "GRIDLINK_DATA_DIR": str(tmp_path / "worker"),
        "GRIDLINK_OPENING_KEYS": pairs.serialize(),
    }
    yield {"api": api, "worker": worker, "private": {"keys": pairs.serialize()}}
    asyncio.run(_empty_tables(url))


@pytest.mark.slow
def test_an_api_process_seals_a_sign_in_a_worker_process_opens_and_holds_no_private_key(
    split_env: dict[str, dict[str, str]], tmp_path: Path
) -> None:
    api_env, worker_env = split_env["api"], split_env["worker"]
    pairs = OpeningKeys.parse(split_env["private"]["keys"])
    created = subprocess.run(
        [GRIDLINK, "clients", "create", "Acme", "--origin", "https://app.example", "--json"],
        env=api_env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    client = json.loads(created.stdout)
    port = free_port()
    api = start(["serve", "--port", str(port), "--no-worker"], api_env)
    worker = start(["worker"], worker_env)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_ready(base)
        with httpx.Client(base_url=base, timeout=30) as http:
            auth = (client["client_id"], client["client_secret"])
            token = http.post(
                "/v1/auth/connect_token",
                json={"client_user_id": "u", "utility_id": "sandbox_electric"},
                auth=auth,
                headers={"Idempotency-Key": "split-token"},
            ).json()
            replayed = http.post(
                "/v1/auth/connect_token",
                json={"client_user_id": "u", "utility_id": "sandbox_electric"},
                auth=auth,
                headers={"Idempotency-Key": "split-token"},
            )
            assert replayed.json() == token  # the API opens its own saved response
            started = http.post(
                "/connect/api/sessions", json={"connect_token": token["connect_token"]}
            ).json()
            headers = {"Authorization": f"Bearer {started['session_token']}"}
            http.post(
                "/connect/api/session/consent",
                json={"consent_version": started["session"]["consent_version"]},
                headers=headers,
            )
            attempt = http.post(
                "/connect/api/attempts",
                json={"username": "user_good", "password": "pass_good"},
                headers=headers,
            ).json()
            done = follow(http, headers, attempt, {"verified", "rejected", "error", "timeout"})
            assert done["status"] == "verified", done

        assert api.poll() is None
        assert worker.poll() is None
        environ = Path(f"/proc/{api.pid}/environ").read_bytes().split(b"\0")
        names = {entry.partition(b"=")[0] for entry in environ}
        assert b"GRIDLINK_SEALING_KEY" in names  # the scan reads the right process
        assert not names & {b"GRIDLINK_OPENING_KEYS", b"GRIDLINK_MASTER_KEYS"}
        opening_files = ("master.keys", "opening.keys")  # nor made them in its data folder
        assert not any((tmp_path / "api" / name).exists() for name in opening_files)

        raw = _private_bytes(pairs)
        encoded = [base64.b64encode(k) for k in raw]
        master = [Keyring.parse(API_KEYS).keys["kapi"]]  # the API keys are expected there
        assert memory_holds(worker.pid, raw) == set(raw)  # the scan sees a key where one is
        assert memory_holds(api.pid, master) == set(master)
        assert memory_holds(api.pid, raw + encoded) == set()
    finally:
        for process in (api, worker):
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
