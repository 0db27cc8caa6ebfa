"""Bytes on the wire (issue 10): what a real `gridlink serve` sends for the Connect page, the
connect.js loader, the demo and a meter-year of intervals, as a browser (brotli), a plain HTTP
client (gzip) and a client that asks for nothing (identity: what every client got before
compression) receive them; and what gzip costs on the meter-year at levels 6 and 9.

Prints markdown tables; asserts nothing. Needs the widget built (`make widget-build`).

    .venv/bin/python bench/bytes.py
"""

from __future__ import annotations

import asyncio
import re
import statistics
import sys
import tempfile
import time
import zlib
from pathlib import Path

import httpx

from data import meter_year, seed
from foundation import running
from gridlink.data import service
from gridlink.kit.db import Database
from gridlink.kit.migrations import upgrade_to_head

# What each kind of client sends: nothing useful, a plain HTTP library, Chromium.
ENCODINGS = {"identity": "identity", "gzip": "gzip", "browser": "gzip, deflate, br, zstd"}
YEAR = {"start": "2025-01-01T00:00:00Z", "end": "2026-01-01T00:00:00Z"}


def sent(http: httpx.Client, path: str, accept: str, **params: str) -> tuple[int, str]:
    """Body bytes as sent (before any decoding), and the encoding used."""
    with http.stream("GET", path, params=params, headers={"Accept-Encoding": accept}) as response:
        response.raise_for_status()
        size = sum(len(chunk) for chunk in response.iter_raw())
        return size, response.headers.get("content-encoding", "identity")


def page_paths(http: httpx.Client, client_id: str) -> list[str]:
    html = http.get("/connect/frame", params={"client": client_id}).text
    return ["/connect/frame", *(f"/connect/{p}" for p in re.findall(r'"(ui/[^"]+)"', html))]


def rows(http: httpx.Client, client_id: str, meter_id: str) -> list[tuple[str, list[int]]]:
    groups: list[tuple[str, list[tuple[str, dict[str, str]]]]] = [
        ("Connect page (shell + script + style)", [(p, {}) for p in page_paths(http, client_id)]),
        ("connect.js", [("/connect.js", {})]),
        ("demo page (+ demo.js, demo.css, favicon)", [
            ("/demo", {}), ("/demo/static/demo.js", {}), ("/demo/static/demo.css", {}),
            ("/favicon.svg", {}),
        ]),
        ("meter-year JSON (35,040 readings)", [
            ("/v1/utility_intervals", {"meter_id": meter_id, **YEAR}),
        ]),
        ("meter-year CSV (streamed)", [
            ("/v1/utility_intervals", {"meter_id": meter_id, "format": "csv", **YEAR}),
        ]),
    ]  # fmt: skip
    table = []
    for name, paths in groups:
        sizes = [
            sum(sent(http, p, accept, **q)[0] for p, q in paths) for accept in ENCODINGS.values()
        ]
        table.append((f"{name}, {len(paths)} request{'s' * (len(paths) > 1)}", sizes))
    return table


def latency_ms(http: httpx.Client, accept: str, meter_id: str, runs: int = 7) -> float:
    samples = []
    for attempt in range(runs + 1):
        started = time.perf_counter()
        sent(http, "/v1/utility_intervals", accept, meter_id=meter_id, **YEAR)
        if attempt:
            samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def gzip_levels(body: bytes) -> list[tuple[int, int, float]]:
    """Size and CPU milliseconds (the best of 5, so a busy machine does not inflate it)."""
    out = []
    for level in (1, 4, 6, 9):
        best = float("inf")
        for _ in range(5):
            started = time.process_time()
            packer = zlib.compressobj(level, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
            size = len(packer.compress(body) + packer.flush())
            best = min(best, time.process_time() - started)
        out.append((level, size, best * 1000))
    return out


async def prepare(url: str) -> tuple[str, str, str]:
    db = Database(url)
    try:
        await upgrade_to_head(db)
        client_id, secret, [meter_id] = await seed(db, 1)
        async with db.transaction() as session:
            for month in meter_year(7):
                await service.upsert_intervals(session, meter_id, month)
    finally:
        await db.dispose()
    return client_id, secret, meter_id


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="gridlink-bytes-") as folder:
        work = Path(folder)
        url = f"sqlite+aiosqlite:///{work / 'bench.db'}"
        client_id, secret, meter_id = asyncio.run(prepare(url))
        with running(work / "server", url.replace("+aiosqlite", "")) as server:
            base = f"http://127.0.0.1:{server.port}"
            with httpx.Client(base_url=base, auth=(client_id, secret), timeout=60) as http:
                table = rows(http, client_id, meter_id)
                timings = {
                    name: latency_ms(http, accept, meter_id) for name, accept in ENCODINGS.items()
                }
                json_body = http.get(
                    "/v1/utility_intervals",
                    params={"meter_id": meter_id, **YEAR},
                    headers={"Accept-Encoding": "identity"},
                ).content
    print(
        "## Bytes as served (body bytes; before this change every client got the identity column)\n"
    )
    print("Built files: brotli for browsers; dynamic answers: gzip for every client that asks.\n")
    print("| What | identity (before) | gzip | browser | saved for a browser |")
    print("|---|---:|---:|---:|---:|")
    for name, (identity, gz, br) in table:
        print(f"| {name} | {identity:,} | {gz:,} | {br:,} | {100 * (1 - br / identity):.0f} % |")
    print("\n## Meter-year JSON: median time to the last byte on loopback (7 runs)\n")
    print("| Accept-Encoding | ms |\n|---|---:|")
    for name, ms in timings.items():
        print(f"| {name} | {ms:.0f} |")
    print(f"\n## gzip level on the meter-year JSON ({len(json_body):,} bytes), in-process\n")
    print("| level | bytes | CPU ms |\n|---:|---:|---:|")
    for level, size, ms in gzip_levels(json_body):
        print(f"| {level} | {size:,} | {ms:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
