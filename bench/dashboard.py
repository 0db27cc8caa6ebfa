"""Operator dashboard benchmark (issue 13): the credentials list and the overview with 100,000
credentials, on SQLite (a file) and on a scratch PostgreSQL database.

Seeds three clients, 100,000 end users and 100,000 credentials with a realistic mix of statuses
(most verified, some needing an MFA refresh, some revoked or failing), signs an operator in
through the real dashboard API and times, in-process (the app's own middleware, dependencies and
queries; no socket), the server's answer to:

- the overview, for every client and for one client;
- the credentials list, first page, unfiltered and filtered by status detail
  MULTI_FACTOR_AUTHENTICATION_REFRESH_REQUIRED (one client and all), sorted by update time,
  and a page deep in the list (its cursor);

median and p95 of 30 after 3 warm-ups, against the goal of 100 ms per page. Then the
dashboard's JavaScript and CSS as the server sends them (raw, gzip, brotli).

Prints markdown tables; asserts nothing.

    .venv/bin/python bench/dashboard.py [--credentials 100000] [--databases sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.lifespan

from tests.lifespan import running

from foundation import scratch_postgres
from gridlink.app import create_app
from gridlink.clients.service import NewClient, create_client
from gridlink.config import Settings
from gridlink.kit.clock import SystemClock
from gridlink.kit.db import Database
from gridlink.kit.ids import new_id
from gridlink.models import User, UtilityCredential, UtilitySync
from gridlink.operators import service as operators
from gridlink.operators.principal import Role

GOAL_MS = 100.0
RUNS = 30
WARMUPS = 3
PASSWORD = "bench-operator-password"
REFRESH = "MULTI_FACTOR_AUTHENTICATION_REFRESH_REQUIRED"
# (status, status_detail, action_required, share)
MIX = [
    ("verified", None, False, 0.78),
    ("verified", "UTILITY_UNAVAILABLE", False, 0.03),
    ("rejected", REFRESH, True, 0.05),
    ("rejected", "INVALID_CREDENTIALS", True, 0.05),
    ("rejected", "ACCOUNT_LOCKED", True, 0.02),
    ("pending", None, False, 0.03),
    ("timeout", None, True, 0.02),
    ("error", "UTILITY_UNAVAILABLE", False, 0.02),
]
UTILITIES = ["sandbox_electric", "sandbox_gas", "sandbox_water", "pge", "comed"]


@dataclass
class Result:
    database: str
    seed_s: float = 0.0
    pages: dict[str, tuple[float, float]] = field(default_factory=dict)


async def _seed(db: Database, clients: list[str], count: int) -> None:
    rng = random.Random(13)
    now = datetime.now(UTC)
    weights = [m[3] for m in MIX]
    batch = 5_000
    for start in range(0, count, batch):
        users, credentials, syncs = [], [], []
        for i in range(start, min(start + batch, count)):
            client_id = clients[i % len(clients)]
            created = now - timedelta(minutes=count - i)
            user_id = new_id("usr")
            users.append(
                {
                    "id": user_id,
                    "client_id": client_id,
                    "client_user_id": f"user-{i}",
                    "created_at": created,
                }
            )
            status, detail, action, _ = rng.choices(MIX, weights)[0]
            credential_id = new_id("ucr")
            expires = created + timedelta(days=rng.randint(1, 90)) if status == "verified" else None
            credentials.append(
                {
                    "id": credential_id,
                    "client_id": client_id,
                    "user_id": user_id,
                    "utility_id": rng.choice(UTILITIES),
                    "status": status,
                    "status_detail": detail,
                    "action_required": action,
                    "verified_at": created if status == "verified" else None,
                    "mfa_session_expires_at": expires,
                    "created_at": created,
                    "updated_at": created + timedelta(seconds=rng.randint(0, 10**6)),
                }
            )
            if status == "verified":
                syncs.append(
                    {
                        "id": new_id("syn"),
                        "client_id": client_id,
                        "credential_id": credential_id,
                        "utility_id": credentials[-1]["utility_id"],
                        "kind": "scheduled",
                        "state": "retrying" if detail else "scheduled",
                        "due_at": now + timedelta(hours=rng.randint(1, 24)),
                        "failures": 1 if detail else 0,
                        "checkpoint": {},
                        "progress": 1.0,
                        "created_at": created,
                        "updated_at": created,
                    }
                )
        async with db.transaction() as session:
            await session.execute(insert(User), users)
            await session.execute(insert(UtilityCredential), credentials)
            if syncs:
                await session.execute(insert(UtilitySync), syncs)


async def _time(api: httpx.AsyncClient, path: str) -> tuple[float, float]:
    samples = []
    for run in range(WARMUPS + RUNS):
        started = time.perf_counter()
        response = await api.get(path)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise SystemExit(f"{path}: {response.status_code} {response.text[:300]}")
        if run >= WARMUPS:
            samples.append(elapsed)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


async def _run(database: str, url: str | None, data_dir: Path, count: int) -> Result:
    result = Result(database)
    settings = Settings(data_dir=data_dir, database_url=url, demo=False, run_worker=False)
    clock = SystemClock()
    app = create_app(settings, clock=clock)
    async with running(app):
        db: Database = app.state.db
        clients = []
        async with db.transaction() as session:
            for name in ("Acme Energy", "Bright Homes", "Cedar Solar"):
                made = await create_client(
                    session, clock, NewClient(name, ["https://app.example"], [])
                )
                clients.append(made.client_id)
            await operators.create_operator(
                session, clock, "bench@example.com", Role.ADMIN, None, PASSWORD
            )
        started = time.perf_counter()
        await _seed(db, clients, count)
        result.seed_s = time.perf_counter() - started
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8080") as api:
            signed = await api.post(
                "/dashboard/api/session", json={"email": "bench@example.com", "password": PASSWORD}
            )
            signed.raise_for_status()
            first = (await api.get("/dashboard/api/credentials?limit=25")).json()
            deep = first["next_cursor"]
            for _ in range(40):  # 1,000 rows in
                deep = (await api.get(f"/dashboard/api/credentials?limit=25&after={deep}")).json()[
                    "next_cursor"
                ]
            one = clients[0]
            refresh = f"/dashboard/api/credentials?status_detail={REFRESH}"
            paths = {
                "overview, all clients": "/dashboard/api/overview",
                "overview, one client": f"/dashboard/api/overview?client_id={one}",
                "credentials, first page": "/dashboard/api/credentials?limit=25",
                "credentials, MFA refresh, all": refresh,
                "credentials, MFA refresh, one client": f"{refresh}&client_id={one}",
                "credentials, by update time": "/dashboard/api/credentials?sort=-updated_at",
                "credentials, page 41": f"/dashboard/api/credentials?limit=25&after={deep}",
            }
            for label, path in paths.items():
                result.pages[label] = await _time(api, path)
    return result


async def _assets(data_dir: Path) -> list[tuple[str, int, int, int]]:
    settings = Settings(data_dir=data_dir, demo=False)
    app = create_app(settings, clock=SystemClock())
    rows = []
    async with running(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8080") as api:
            page = (await api.get("/dashboard")).text
            names = [part.split('"', 1)[0] for part in page.split("/dashboard/assets/")[1:]]
            for name in names:
                sizes = []
                for encoding in ("identity", "gzip", "br"):
                    # The server compresses a file once, in the background: the first answer
                    # may be the plain file, every later one the compressed form.
                    for _ in range(2):
                        response = await api.get(
                            f"/dashboard/assets/{name}", headers={"Accept-Encoding": encoding}
                        )
                        await asyncio.sleep(0.5)
                    sizes.append(response.num_bytes_downloaded)  # as sent, before decoding
                rows.append((name, *sizes))
    return rows


def _render(results: list[Result], assets: list[tuple[str, int, int, int]], count: int) -> str:
    lines = [
        f"Dashboard with {count:,} credentials: server time per page, median / p95 of {RUNS} "
        f"(goal ≤ {GOAL_MS:.0f} ms)",
        "",
        "| page | " + " | ".join(r.database for r in results) + " | goal |",
        "|---|" + "---|" * len(results) + "---|",
    ]
    for label in results[0].pages:
        cells = [f"{r.pages[label][0]:.1f} / {r.pages[label][1]:.1f} ms" for r in results]
        met = all(r.pages[label][0] <= GOAL_MS for r in results)
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {'met' if met else 'MISSED'} |")
    lines.append("| seeding | " + " | ".join(f"{r.seed_s:.1f} s" for r in results) + " | |")
    lines += ["", "| file as served | raw | gzip | brotli |", "|---|---|---|---|"]
    for name, raw, gz, br in assets:
        lines.append(f"| {name} | {raw:,} B | {gz:,} B | {br:,} B |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--credentials", type=int, default=100_000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for database in args.databases.split(","):
            folder = Path(tmp) / database
            if database == "postgresql":
                with scratch_postgres() as url:
                    results.append(asyncio.run(_run(database, url, folder, args.credentials)))
            else:
                results.append(asyncio.run(_run(database, None, folder, args.credentials)))
        assets = asyncio.run(_assets(Path(tmp) / "assets"))
    print(_render(results, assets, args.credentials))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
