"""Green Button parse time per shared file: ours, a bare lxml parse of the same bytes and two
peer parsers, side by side in one run, then the issue's goals with PASS or MISS.

    make bench-greenbutton          # installs the peers first (uv group "bench", npm ci)
    GRIDLINK_SHARED_DATA=../shared/data .venv/bin/python bench/greenbutton_parse.py --runs 9

Every time is a median of ``--runs`` parses (default 7, at least 5) of bytes already in
memory, after one warm-up:

- ours: ``gridlink.greenbutton.parse(data)``; readings are what it returns.
- lxml: ``etree.fromstring(data, parser)`` with our hardened parser options
  (``xmlsafe.hardened_parser``): the floor any lxml-based reader stands on. Ours and lxml
  are timed alternately, so that the host's noise reaches both alike.
- greenbutton-objects (PyPI, pinned in the ``bench`` group): ``parse.parse_feed`` on a
  BytesIO; readings are its interval readings with a value, over its usage points. When it
  raises, the exception's class is printed.
- cityssm (npm ``@cityssm/green-button-parser``, pinned in bench/node): one Node process over
  every file (bench/node/cityssm_parse.mjs); readings are the IntervalReading elements it
  returns, before any de-duplication.

"truth" is the count the tests pin (``naive_truth`` in tests/greenbutton/test_real_files.py).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from gridlink.greenbutton import parse
from gridlink.greenbutton.xmlsafe import hardened_parser

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for the tests' truth

from tests.greenbutton.test_real_files import naive_truth  # noqa: E402

SHARED = Path(os.environ.get("GRIDLINK_SHARED_DATA", ROOT.parent / "shared" / "data"))
NODE_DIR = ROOT / "bench" / "node"
HEADLINE = "gba_coastal_multifamily_hourly_1yr_12h_blocks.xml"
GOAL_LXML = 2.0  # ours ≤ 2x a bare lxml parse
GOAL_GBO = 5.0  # ≥ 5x faster than greenbutton-objects
GOAL_CITYSSM = 2.0  # ≥ 2x faster than cityssm


@dataclass
class Peer:
    seconds: float | None = None
    readings: int | None = None
    error: str | None = None

    def cells(self) -> tuple[str, str]:
        if self.error is not None:
            return self.error[:24], "-"
        if self.seconds is None:
            return "not run", "-"
        return f"{self.seconds:.4f}", str(self.readings)


@dataclass
class Row:
    name: str
    size: int
    truth: int
    ours: float
    found: int
    lxml: float
    gbo: Peer
    cityssm: Peer

    @property
    def ratio(self) -> float:
        return self.ours / self.lxml


def median_pair(
    first: Callable[[], object], second: Callable[[], object], runs: int
) -> tuple[float, float]:
    """Medians of ``first`` and ``second``, run alternately after a warm-up of each."""
    first()
    second()
    a: list[float] = []
    b: list[float] = []
    for _ in range(runs):
        for action, times in ((first, a), (second, b)):
            start = time.perf_counter()
            action()
            times.append(time.perf_counter() - start)
    return statistics.median(a), statistics.median(b)


def median(action: Callable[[], object], runs: int) -> float:
    return median_pair(action, lambda: None, runs)[0]


def greenbutton_objects(data: bytes, runs: int) -> Peer:
    try:
        from greenbutton_objects import parse as gbo  # type: ignore[import-untyped]
    except ImportError:
        return Peer(error="not installed")

    def run() -> object:
        return gbo.parse_feed(io.BytesIO(data))

    try:
        points = run()
        found = sum(
            1
            for point in points
            for meter in point.meterReadings
            for reading in meter.intervalReadings
            if reading.value is not None
        )
        return Peer(median(run, runs), found)
    except Exception as error:  # a peer's failure is a result, not a crash of the bench
        return Peer(error=type(error).__name__)


def cityssm(folder: Path, runs: int) -> tuple[dict[str, Peer], str]:
    node = shutil.which("node")
    script = NODE_DIR / "cityssm_parse.mjs"
    if node is None:
        return {}, "node not found"
    if not (NODE_DIR / "node_modules" / "@cityssm" / "green-button-parser").is_dir():
        return {}, "not installed (make bench-greenbutton runs npm ci in bench/node)"
    done = subprocess.run(
        [node, str(script), str(folder), str(runs)],
        capture_output=True,
        text=True,
        check=False,
        cwd=NODE_DIR,
    )
    if done.returncode != 0:
        return {}, f"node failed: {done.stderr.strip()[-200:]}"
    report = json.loads(done.stdout)
    peers = {
        name: Peer(result.get("seconds"), result.get("readings"), result.get("error"))
        for name, result in report["files"].items()
    }
    return peers, f"Node {report['node']}"


def our_memory(data: bytes) -> tuple[float, float]:
    """Peak Python allocations (tracemalloc, MB) of one parse, and the process's peak RSS
    growth (MB) for one parse in a fresh interpreter, which also counts libxml2's tree."""
    tracemalloc.start()
    parse(data)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    code = (
        "import sys;from gridlink.greenbutton import parse;d=open(sys.argv[1],'rb').read();"
        "parse(b'<x/>');s=lambda k:int(next(l for l in open('/proc/self/status')"
        " if l.startswith(k)).split()[1]);open('/proc/self/clear_refs','w').write('5');"
        "a=s('VmRSS:');parse(d);print(s('VmHWM:')-a)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(SHARED / "greenbutton" / HEADLINE)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:  # not Linux, or the peak cannot be reset
        return peak / 1e6, float("nan")
    return peak / 1e6, int(done.stdout) / 1024


def verdict(ok: bool | None) -> str:
    return "SKIP" if ok is None else ("PASS" if ok else "MISS")


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    options.add_argument("--runs", type=int, default=7, help="timed runs per file (≥ 5)")
    runs = max(5, options.parse_args().runs)
    folder = SHARED / "greenbutton"
    paths = sorted(folder.glob("*.xml"))
    if not paths:
        raise SystemExit(f"no Green Button files at {folder}")
    load = os.getloadavg()[0]
    print(f"Green Button parse, median of {runs} runs per file; load average {load:.2f}")
    node_peers, node_note = cityssm(folder, runs)
    parser = hardened_parser()
    rows: list[Row] = []
    for path in paths:
        data = path.read_bytes()
        ours, bare = median_pair(
            lambda data=data: parse(data),  # type: ignore[misc]
            lambda data=data: etree.fromstring(data, parser),  # type: ignore[misc]
            runs,
        )
        truth = naive_truth(path)["count"]
        assert isinstance(truth, int)
        rows.append(
            Row(
                name=path.name,
                size=len(data),
                truth=truth,
                ours=ours,
                found=parse(data).reading_count,
                lxml=bare,
                gbo=greenbutton_objects(data, runs),
                cityssm=node_peers.get(path.name, Peer(error=None)),
            )
        )
    header = (
        f"{'file':51} {'bytes':>9} {'truth':>5} | {'ours s':>7} {'found':>5} {'lxml s':>7} "
        f"{'ratio':>5} | {'gbo s':>8} {'found':>5} | {'cityssm s':>9} {'found':>5}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        gbo_time, gbo_found = row.gbo.cells()
        node_time, node_found = row.cityssm.cells()
        print(
            f"{row.name:51} {row.size:9,} {row.truth:5} | {row.ours:7.4f} {row.found:5} "
            f"{row.lxml:7.4f} {row.ratio:5.2f} | {gbo_time:>8} {gbo_found:>5} | "
            f"{node_time:>9} {node_found:>5}"
        )
    print(
        "gbo = greenbutton-objects 2024.7.11; "
        f"cityssm = @cityssm/green-button-parser 1.0.1 ({node_note})"
    )

    head = next(row for row in rows if row.name == HEADLINE)
    memory, rss = our_memory((folder / HEADLINE).read_bytes())
    print(
        f"\n{HEADLINE}: {head.found / head.ours:,.0f} readings/s; peak Python allocations "
        f"{memory:.1f} MB (tracemalloc); peak RSS growth {rss:.1f} MB (fresh process, "
        f"includes libxml2's tree)"
    )
    print("\nGoals")
    missing = [row.name for row in rows if row.found != row.truth]
    print(
        f"  {verdict(not missing)}  every reading found (ours = truth on every file)"
        + (f"; wrong: {', '.join(missing)}" if missing else "")
    )
    gbo_x = head.gbo.seconds / head.ours if head.gbo.seconds else None
    print(
        f"  {verdict(None if gbo_x is None else gbo_x >= GOAL_GBO)}  ≥ {GOAL_GBO:g}x faster than "
        f"greenbutton-objects on the 2.2 MB file: "
        + (f"{gbo_x:.1f}x" if gbo_x is not None else f"not measured ({head.gbo.error})")
    )
    node_x = head.cityssm.seconds / head.ours if head.cityssm.seconds else None
    print(
        f"  {verdict(None if node_x is None else node_x >= GOAL_CITYSSM)}  ≥ {GOAL_CITYSSM:g}x "
        f"faster than cityssm on the 2.2 MB file: "
        + (f"{node_x:.1f}x" if node_x is not None else f"not measured ({node_note})")
    )
    print(
        f"  {verdict(head.ratio <= GOAL_LXML)}  ≤ {GOAL_LXML:g}x a bare lxml parse on the 2.2 MB "
        f"file: {head.ratio:.2f}x"
    )
    big = [row for row in rows if row.truth >= 1000]
    worst = max(big, key=lambda row: row.ratio)
    print(
        f"  {verdict(worst.ratio <= GOAL_LXML)}  ≤ {GOAL_LXML:g}x a bare lxml parse on every file "
        f"with 1,000+ readings: worst {worst.ratio:.2f}x ({worst.name})"
    )


if __name__ == "__main__":
    main()
