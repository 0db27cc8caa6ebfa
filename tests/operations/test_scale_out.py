"""Scale-out: two API processes and two workers on one PostgreSQL behind PgBouncer.

300 end users sign in through Connect, 50 at a time, each request of a sign-in sent to the
other API process than the one before (so half the long-polls wait in the process that did not
store the attempt, and none in the worker that ran it); then every first sync backfills. It
checks what a deployment of several processes must keep: no request fails, every credential
is verified once and backfilled once, and both workers share the sign-ins and the syncs.

Settings chosen for a 2-core machine (FLEET_SETTINGS in tests/processes.py has the rest):
- a 1-month history (GRIDLINK_SYNC_HISTORY_MONTHS=1) instead of 24, so 300 backfills take
  seconds of CPU, not minutes; a backfill's steps (statements, interval chunks, events,
  checkpoint, the lease) are the same; bench/scale.py measures the 24-month ones;
- the sign-ins are spread over three sandbox utilities with one meter each (electric, gas,
  water), and GRIDLINK_SYNC_PER_UTILITY_CONCURRENCY=8: the sandbox has no utility to be polite
  to, and at the default (4 across all workers) the cap, not the workers, would decide who
  syncs; with 8 x 3 = 24 above the 2 x 10 worker slots, the workers' claims decide.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import TEST_MASTER_KEYS
from tests.metrics.scrape import parse
from tests.own_postgres import OwnPostgres, PgBouncer, free_port, own_postgres
from tests.processes import (
    Fleet,
    children_of,
    claims,
    create_client,
    fleet_env,
    migrate,
    record_claims,
    start_fleet,
)

__all__ = ["own_postgres"]

SIGN_INS = 300
IN_FLIGHT = 50
UTILITIES = ("sandbox_electric", "sandbox_gas", "sandbox_water")  # one meter per user_good
SETTINGS = {
    "GRIDLINK_SYNC_HISTORY_MONTHS": "1",
    "GRIDLINK_SYNC_PER_UTILITY_CONCURRENCY": "8",
}
BACKFILL_SECONDS = 150.0
FINISHED = {"verified", "rejected", "error", "timeout", "cancelled", "pending"}


@pytest.fixture
def bouncer(own_postgres: OwnPostgres) -> Iterator[PgBouncer]:
    pgbouncer = PgBouncer(own_postgres.port, pool_size=20)
    try:
        yield pgbouncer
    finally:
        pgbouncer.close()


@dataclass
class Traffic:
    """Every answer the end users got, and what went wrong."""

    bases: list[str]
    basic: tuple[str, str]
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)

    def api_turns(self, n: int) -> Iterator[str]:
        """Sign-in ``n``'s API process for each of its requests: the other one each time."""
        return (self.bases[turn % len(self.bases)] for turn in itertools.count(n))

    async def call(
        self, http: httpx.AsyncClient, api: str, method: str, path: str, step: str, **kwargs: Any
    ) -> dict[str, Any]:
        response = await http.request(method, api + path, **kwargs)
        self.statuses[(step, response.status_code)] += 1
        if response.status_code != 200:
            raise AssertionError(f"{step} → {response.status_code}: {response.text[:300]}")
        body: dict[str, Any] = response.json()
        return body


async def sign_in(http: httpx.AsyncClient, traffic: Traffic, n: int) -> str:
    """One end user through Connect, as the widget does it; the credential's id."""
    utility = UTILITIES[n % len(UTILITIES)]
    apis = traffic.api_turns(n)
    token = await traffic.call(
        http,
        next(apis),
        "POST",
        "/v1/auth/connect_token",
        "connect_token",
        json={"client_user_id": f"user-{n}", "utility_id": utility},
        auth=traffic.basic,
    )
    opened = await traffic.call(
        http,
        next(apis),
        "POST",
        "/connect/api/sessions",
        "session",
        json={"connect_token": token["connect_token"]},
    )
    headers = {"Authorization": f"Bearer {opened['session_token']}"}
    version = {"consent_version": opened["session"]["consent_version"]}
    await traffic.call(
        http,
        next(apis),
        "POST",
        "/connect/api/session/consent",
        "consent",
        json=version,
        headers=headers,
    )
    credentials = {"username": f"user_good+{n}", "password": "pass_good"}
    attempt = await traffic.call(
        http,
        next(apis),
        "POST",
        "/connect/api/attempts",
        "submit",
        json=credentials,
        headers=headers,
    )
    while attempt["status"] not in FINISHED:
        attempt = await traffic.call(
            http,
            next(apis),
            "GET",
            f"/connect/api/attempts/{attempt['id']}",
            "long_poll",
            params={"after_seq": attempt["seq"], "wait": 20},
            headers=headers,
        )
    assert attempt["status"] == "verified", attempt
    done = await traffic.call(
        http,
        next(apis),
        "POST",
        f"/connect/api/attempts/{attempt['id']}/complete",
        "complete",
        headers=headers,
    )
    assert done["authorization_code"]
    credential_id: str = attempt["utility_credential_id"]
    return credential_id


async def sign_ins(traffic: Traffic) -> list[str]:
    gate = asyncio.Semaphore(IN_FLIGHT)
    # Idle connections are let go before uvicorn's own keep-alive timeout (5 s) closes them: at
    # the same 5 s (httpx's default) a request could go out on a connection the server was
    # closing, and fail with "Server disconnected" (seen once in 300 sign-ins).
    limits = httpx.Limits(
        max_connections=None, max_keepalive_connections=None, keepalive_expiry=2.0
    )
    async with httpx.AsyncClient(timeout=60, limits=limits) as http:

        async def one(n: int) -> str | None:
            async with gate:
                try:
                    return await sign_in(http, traffic, n)
                except (AssertionError, httpx.HTTPError) as error:
                    traffic.problems.append(f"sign-in {n}: {error!r}"[:400])
                    return None

        done = await asyncio.gather(*(one(n) for n in range(SIGN_INS)))
    return [credential for credential in done if credential is not None]


async def pages(http: httpx.AsyncClient, path: str, **params: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    query: dict[str, str] = {"limit": "100", **params}
    while True:
        response = await http.get(path, params=query)
        assert response.status_code == 200, response.text
        page = response.json()
        items += page["data"]
        if not page["has_more"]:
            return items
        query["cursor"] = page["next_cursor"]


async def wait_for_backfills(http: httpx.AsyncClient, expected: int) -> list[dict[str, Any]]:
    deadline = asyncio.get_running_loop().time() + BACKFILL_SECONDS
    while True:
        listed = await pages(http, "/v1/utility_credentials")
        synced = [c for c in listed if c["sync"]["last_synced_at"] is not None]
        if len(synced) >= expected or asyncio.get_running_loop().time() > deadline:
            return listed
        await asyncio.sleep(1)


async def per_credential(http: httpx.AsyncClient, event_type: str) -> Counter[str]:
    events = await pages(http, "/v1/events", type=event_type)
    return Counter(event["data"]["utility_credential_id"] for event in events)


def verified_per_worker(fleet: Fleet) -> dict[int, float]:
    """Each worker's own count of verified sign-ins, from its /metrics."""
    counts = {}
    for worker in fleet.workers:
        samples = parse(httpx.get(f"{worker.base}/metrics").text)
        counts[worker.process.pid] = sum(
            value
            for (name, labels), value in samples.items()
            if name == "gridlink_sign_ins_total" and ("outcome", "verified") in labels
        )
    return counts


@pytest.mark.slow
@pytest.mark.timeout(300)
async def test_two_apis_and_two_workers_share_300_sign_ins_and_their_backfills(
    own_postgres: OwnPostgres, bouncer: PgBouncer, tmp_path: Path
) -> None:
    base_env = {**os.environ, "GRIDLINK_MASTER_KEYS": TEST_MASTER_KEYS}
    env = fleet_env(
        base_env,
        pooled_url=bouncer.url("postgres"),
        direct_url=own_postgres.url,
        data_dir=tmp_path / "data",
    )
    env.update(SETTINGS)
    migrate(env)
    await record_claims(own_postgres.url)
    pair = create_client(env)
    fleet = start_fleet(env, tmp_path / "logs", apis=2, workers=2, free_port=free_port)
    try:
        traffic = Traffic(
            [api.base for api in fleet.apis], (pair["client_id"], pair["client_secret"])
        )
        started = time.monotonic()
        credentials = await sign_ins(traffic)
        seconds = {"signed in after s": time.monotonic() - started}
        cpu_signed_in = {m.process.pid: m.cpu_seconds() for m in fleet.members}
        async with httpx.AsyncClient(
            base_url=fleet.apis[0].base, auth=traffic.basic, timeout=60
        ) as http:
            listed = await wait_for_backfills(http, SIGN_INS)
            seconds["backfilled after s"] = time.monotonic() - started
            verified = await per_credential(http, "utility_credential_verified")
            backfilled = await per_credential(http, "historical_utility_intervals_discovered")
        signed_in = verified_per_worker(fleet)
        cpu = {m.process.pid: m.cpu_seconds() for m in fleet.members}
        # Each worker syncs in a child process of its own (ADR 0024): its claims are the worker's.
        owner_of = {c: w.process.pid for w in fleet.workers for c in children_of(w.process.pid)}
        exited = fleet.exited()
    finally:
        fleet.stop()
    claimed = await claims(own_postgres.url)

    assert traffic.problems == [], traffic.problems[:5]
    assert {status for _, status in traffic.statuses} == {200}, traffic.statuses
    assert exited == []
    logged = fleet.logs()
    assert "Traceback" not in logged, logged[-3000:]
    assert "ERROR" not in bouncer.log().upper().replace("LOG ", "")

    # Every credential verified once and backfilled once.
    assert len(set(credentials)) == SIGN_INS
    assert {c["id"] for c in listed} == set(credentials)
    assert all(c["status"] == "verified" for c in listed)
    assert all(c["sync"]["last_synced_at"] is not None for c in listed)
    assert verified == Counter(set(credentials)), "a credential verified other than once"
    assert backfilled == Counter(set(credentials)), "a credential backfilled other than once"

    # Each sign-in and each backfill claimed once, by one worker or the other; both did work.
    workers = {w.process.pid for w in fleet.workers}
    attempts = Counter(c.item_id for c in claimed if c.queue == "connection_attempts")
    syncs = Counter(c.item_id for c in claimed if c.queue == "utility_syncs")
    assert len(attempts) == SIGN_INS
    assert set(attempts.values()) == {1}
    assert len(syncs) == SIGN_INS
    assert set(syncs.values()) == {1}
    assert {c.kind for c in claimed if c.queue == "utility_syncs"} == {"initial"}
    attempts_by = Counter(c.pid for c in claimed if c.queue == "connection_attempts")
    syncs_by = Counter(owner_of.get(c.pid, c.pid) for c in claimed if c.queue == "utility_syncs")
    assert set(attempts_by) == set(syncs_by) == workers
    assert signed_in == dict(attempts_by)  # the workers' own metrics agree with the claims
    spread = {"sign-ins": attempts_by, "backfills": syncs_by, "cpu seconds": cpu, **seconds}
    spread["cpu seconds when signed in"] = cpu_signed_in
    # "Spread" means neither worker idles: each ran at least a fifth of each kind of work.
    assert min(attempts_by.values()) >= SIGN_INS / 5, spread
    assert min(syncs_by.values()) >= SIGN_INS / 5, spread
    print(spread)
