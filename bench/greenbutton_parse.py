"""Green Button parse time per shared file, next to a bare lxml parse of the same bytes.

    GRIDLINK_SHARED_DATA=../shared/data .venv/bin/python bench/greenbutton_parse.py

Prints the median of 5 runs. The peer parsers (greenbutton-objects, cityssm) come later.
"""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

from lxml import etree

from gridlink.greenbutton import parse

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("GRIDLINK_SHARED_DATA", ROOT.parent / "shared" / "data"))


def median_seconds(action: object, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    folder = SHARED / "greenbutton"
    paths = sorted(folder.glob("*.xml"))
    if not paths:
        raise SystemExit(f"no Green Button files at {folder}")
    print(f"{'file':52} {'bytes':>9} {'ours s':>8} {'readings':>8} {'lxml s':>8} {'ratio':>6}")
    for path in paths:
        data = path.read_bytes()
        ours = median_seconds(lambda data=data: parse(data))
        bare = median_seconds(lambda data=data: etree.fromstring(data))
        found = parse(data).reading_count
        print(f"{path.name:52} {len(data):9,} {ours:8.4f} {found:8} {bare:8.4f} {ours / bare:6.1f}")


if __name__ == "__main__":
    main()
