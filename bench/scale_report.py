"""The table bench/scale.py prints: one row per setup, the goals of issue 15 next to it."""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import statistics
from collections import Counter
from dataclasses import dataclass, field

from engine import Connection

API_PROCESSES = 2
SIGN_IN_P50_GOAL_S = 2.0  # at 100 in flight
SERVER_P50_GOAL_MS = 50.0  # submit → verified, server-side, while backfills run
RAW_RATIO_GOAL = 0.5
COLD_START_GOAL = 1.0


@dataclass
class Outcome:
    workers: int
    fleet_start_s: float = 0.0
    connections: list[Connection] = field(default_factory=list)
    wall_s: float = 0.0
    server_ms: list[float] = field(default_factory=list)  # the 100 in flight
    alone_ms: list[float] = field(default_factory=list)  # one at a time during backfills
    alone_during_backfills: int = 0
    backfills: int = 0
    verified: int = 0  # credentials: each one's first sync is a backfill
    backfill_s: float = 0.0
    syncs_per_worker: list[int] = field(default_factory=list)
    peak_connections: int = 0
    cpu: dict[str, float] = field(default_factory=dict)
    tokens: tuple[float, float, int] | None = None  # HTTP tokens/s, CPU ms/token, failures
    raw_tps: float = 0.0


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def _p50_p99(values: list[float], unit: float = 1.0) -> str:
    if not values:
        return "-"
    return f"{statistics.median(values) / unit:.2f} / {_pct(values, 0.99) / unit:.2f}"


def render(
    outcomes: list[Outcome], cold: list[float], load: list[float], args: argparse.Namespace
) -> str:
    lines = [
        f"Gridlink scale-out bench — {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"load average (1 min) {min(load):.1f} to {max(load):.1f} while it ran; "
        f"{API_PROCESSES} API processes + N workers, PgBouncer (transaction mode, pool "
        f"{args.pool_size}) before a PostgreSQL of its own; {args.sign_ins} sign-ins at once "
        f"(`user_good` at `sandbox_electric`), {args.history_months}-month backfills.",
        "",
        "| workers | fleet ready s | sign-ins ok | sign-ins/s | per sign-in s p50 / p99 "
        "| submit → verified ms, all in flight | alone during backfills ms (n) "
        "| backfilled / verified | backfills/s | syncs per worker | peak DB connections "
        "| CPU s per process |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for o in outcomes:
        ok = [c for c in o.connections if c.ok]
        per = [c.done - c.started for c in ok]
        rate = len(ok) / o.wall_s if o.wall_s else 0.0
        backfill_rate = o.backfills / o.backfill_s if o.backfill_s else 0.0
        cpu = ", ".join(f"{name.split()[0]} {seconds:.1f}" for name, seconds in o.cpu.items())
        lines.append(
            f"| {o.workers} | {o.fleet_start_s:.1f} | {len(ok)}/{len(o.connections)} | {rate:.1f} "
            f"| {_p50_p99(per)} | {_p50_p99(o.server_ms)} "
            f"| {_p50_p99(o.alone_ms)} ({o.alone_during_backfills}) | {o.backfills}/{o.verified} "
            f"| {backfill_rate:.2f} | {' / '.join(map(str, o.syncs_per_worker))} "
            f"| {o.peak_connections} | {cpu} |"
        )
    first = outcomes[0] if outcomes else None
    lines += [""]
    for o in outcomes:
        failures = Counter(c.error or "unfinished" for c in o.connections if not c.ok)
        for error, count in failures.most_common(3):
            lines.append(f"- {o.workers} workers, failed sign-ins: {count} x {error}")
    if first is not None and first.tokens is not None:
        rps, cpu_ms, failed = first.tokens
        ratio = rps / first.raw_tps if first.raw_tps else 0.0
        lines.append(
            f"- connect tokens through one API process and PgBouncer: {rps:,.0f}/s "
            f"({cpu_ms:.2f} CPU ms each{f', {failed} failed' if failed else ''}); the raw driver "
            f"on the server itself: {first.raw_tps:,.0f} tx/s — {ratio:.2f}x"
        )
    cold_s = statistics.median(cold) if cold else float("nan")
    lines.append(
        f"- cold start (`gridlink serve`, new SQLite folder → /readyz 200): median {cold_s:.2f} s "
        f"({', '.join(f'{t:.2f}' for t in cold)})"
    )
    lines += ["", "Goals (issue 15; reported, never asserted):"]
    for o in outcomes:
        ok = [c.done - c.started for c in o.connections if c.ok]
        p50 = statistics.median(ok) if ok else float("inf")
        alone = statistics.median(o.alone_ms) if o.alone_ms else None
        during = (
            f"{alone:.1f} ms — {_verdict(alone <= SERVER_P50_GOAL_MS)}"
            if alone is not None
            else "not measured (the backfills ended first)"
        )
        lines.append(
            f"- {o.workers} workers: sign-in p50 ≤ {SIGN_IN_P50_GOAL_S:.0f} s at "
            f"{len(o.connections)} in flight: {p50:.2f} s — "
            f"{_verdict(p50 <= SIGN_IN_P50_GOAL_S)}; submit → verified p50 ≤ "
            f"{SERVER_P50_GOAL_MS:.0f} ms while backfills run: {during}"
        )
    rates = [o.backfills / o.backfill_s if o.backfill_s else 0.0 for o in outcomes]
    cores = os.cpu_count() or 1
    # Beyond the cores more workers cannot add CPU: only the steps up to them must grow.
    grows = all(
        b > a
        for (a, b), (_, more) in zip(
            itertools.pairwise(rates), itertools.pairwise(outcomes), strict=True
        )
        if more.workers <= cores
    )
    lines.append(
        f"- backfills/s grow with workers up to the cores ({cores}): "
        f"{' → '.join(f'{r:.2f}' for r in rates)} — {_verdict(grows)}"
    )
    if first is not None and first.tokens is not None and first.raw_tps:
        ratio = first.tokens[0] / first.raw_tps
        lines.append(
            f"- connect tokens ≥ {RAW_RATIO_GOAL}x the raw driver: {ratio:.2f}x — "
            f"{_verdict(ratio >= RAW_RATIO_GOAL)}"
        )
    met = _verdict(cold_s <= COLD_START_GOAL)
    lines.append(f"- cold start ≤ {COLD_START_GOAL} s: {cold_s:.2f} s — {met}")
    return "\n".join(lines)


def _verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"
