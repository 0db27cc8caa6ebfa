"""Green Button upload benchmark (issue 14): a year of hourly readings (the 2.2 MB GBA Coastal
file, 8,760 readings) from POST /v1/utility_credentials/files to stored readings, end to end.

Runs the real app in-process (its middleware, the streamed multipart body, the parse in a worker
thread, the one write transaction; no socket) on SQLite (a file) and on a scratch PostgreSQL
database, and times, median and p95 of 10 after 2 warm-ups:

- the first upload of the file for a new end user (makes the credential and stores everything);
- the same file again (merges: reads every stored day, writes nothing);

then reads the year back through the data API and checks that every reading is there.
Prints a markdown table; asserts nothing but the count it reports.

    .venv/bin/python bench/greenbutton_upload.py [--databases sqlite,postgresql] [--file PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.lifespan

from tests.lifespan import running

from foundation import scratch_postgres
from gridlink.app import create_app
from gridlink.clients.service import NewClient, create_client
from gridlink.config import Settings
from gridlink.kit.clock import SystemClock
from gridlink.kit.db import Database

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "greenbutton"
DEFAULT_FILE = SHARED / "gba_coastal_multifamily_hourly_1yr_12h_blocks.xml"
RUNS = 10
WARMUPS = 2


async def _run(database: str, url: str | None, folder: Path, content: bytes) -> dict[str, object]:
    settings = Settings(data_dir=folder, database_url=url, demo=False, run_worker=False)
    clock = SystemClock()
    app = create_app(settings, clock=clock)
    async with running(app):
        db: Database = app.state.db
        async with db.transaction() as session:
            made = await create_client(
                session, clock, NewClient("Bench", ["https://app.example"], [])
            )
        auth = httpx.BasicAuth(made.client_id, made.client_secret)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as api:

            async def upload(user: str) -> tuple[float, dict[str, object]]:
                started = time.perf_counter()
                response = await api.post(
                    "/v1/utility_credentials/files",
                    auth=auth,
                    data={"client_user_id": user, "utility_id": "sandbox_electric"},
                    files={"file": ("year.xml", content, "application/xml")},
                )
                elapsed = time.perf_counter() - started
                assert response.status_code in (200, 201), response.text
                return elapsed, dict(response.json())

            first: list[float] = []
            again: list[float] = []
            last: dict[str, object] = {}
            for index in range(WARMUPS + RUNS):
                made_s, last = await upload(f"user-{index}")
                merged_s, _ = await upload(f"user-{index}")
                if index >= WARMUPS:
                    first.append(made_s)
                    again.append(merged_s)
            found = last["found"]
            assert isinstance(found, dict)
            meter_id = found["meters"][0]["meter_id"]
            stored = 0
            response = await api.get(
                "/v1/utility_intervals",
                auth=auth,
                params={"meter_id": meter_id, "start": found["start"], "end": found["end"]},
            )
            stored = len(response.json()["data"])
    return {
        "database": database,
        "first": first,
        "again": again,
        "readings": found["readings"],
        "stored": stored,
    }


def _ms(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"{statistics.median(values) * 1000:.0f} / {p95 * 1000:.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    args = parser.parse_args()
    if not args.file.is_file():
        print(f"no file at {args.file}: pass --file with a Green Button download")
        return
    content = args.file.read_bytes()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for database in args.databases.split(","):
            folder = Path(tmp) / database
            if database == "postgresql":
                with scratch_postgres() as url:
                    results.append(asyncio.run(_run(database, url, folder, content)))
            else:
                results.append(asyncio.run(_run(database, None, folder, content)))
    print(f"\n{args.file.name}: {len(content):,} bytes\n")
    print("| database | first upload, ms (median / p95) | same file again | readings | read back |")
    print("|---|---|---|---|---|")
    for r in results:
        first, again = r["first"], r["again"]
        assert isinstance(first, list)
        assert isinstance(again, list)
        print(
            f"| {r['database']} | {_ms(first)} | {_ms(again)} | {r['readings']:,} "
            f"| {r['stored']:,} |"
        )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
