"""What the reader returns, pinned: every shared file and 3,000 damaged feeds give exactly what
the reader gave before its fast paths (commit ef1f9bf), down to each reading's repr, every
warning and every error message with its line.

``same_output.txt`` holds one digest per outcome, recorded from that commit's reader with
:func:`record` (``python -m tests.greenbutton.test_same_output`` records the reader in place,
which is only right when its behaviour is meant to change, and then says why in the commit).
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from gridlink.greenbutton import parse
from tests.greenbutton.mutations import mutated_feeds
from tests.greenbutton.shared_files import files

PINNED = Path(__file__).with_name("same_output.txt")
SEEDS = range(6)
PER_SEED = 500


def outcome(reader: Callable[[bytes], object], data: bytes) -> str:
    """A digest of what ``reader`` makes of ``data``: the parsed file, or the error."""
    try:
        said = "ok " + repr(reader(data))
    except Exception as error:  # a reader's own error class, whatever module it is from
        said = f"{type(error).__name__} {error} {getattr(error, 'where', '')} "
        said += str(getattr(error, "line", ""))
    return hashlib.sha256(said.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _pinned() -> dict[str, str]:
    lines = PINNED.read_text().split()
    return dict(zip(lines[::2], lines[1::2], strict=True))


@pytest.mark.parametrize("seed", SEEDS)
def test_damaged_feeds_read_as_before(seed: int) -> None:
    pinned = _pinned()
    feeds = mutated_feeds(seed, PER_SEED)
    wrong = [
        (index, feed[:300])
        for index, feed in enumerate(feeds)
        if outcome(parse, feed) != pinned[f"mutated/{seed}/{index}"]
    ]
    assert not wrong, f"{len(wrong)} outcomes changed; first: {wrong[0]}"


def test_shared_files_read_as_before() -> None:
    shared = files()
    if not shared:
        pytest.skip("the shared Green Button files are not here")
    pinned = _pinned()
    wrong = [p.name for p in shared if outcome(parse, p.read_bytes()) != pinned[f"file/{p.name}"]]
    assert not wrong


def record(reader: Callable[[bytes], object]) -> None:
    lines = [f"file/{p.name} {outcome(reader, p.read_bytes())}" for p in files()]
    for seed in SEEDS:
        for index, feed in enumerate(mutated_feeds(seed, PER_SEED)):
            lines.append(f"mutated/{seed}/{index} {outcome(reader, feed)}")
    PINNED.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    record(parse)
    sys.exit(0)
