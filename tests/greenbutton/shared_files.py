"""The real Green Button files, read where the project keeps them (never copied into the repo).

``../shared/data/greenbutton`` beside the checkout, or ``$GRIDLINK_SHARED_DATA/greenbutton``
(a git worktree elsewhere). Tests that need them skip, with the reason, when absent.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

_ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("GRIDLINK_SHARED_DATA", _ROOT.parent / "shared" / "data"))
GREEN_BUTTON = SHARED / "greenbutton"


def files() -> list[Path]:
    return sorted(GREEN_BUTTON.glob("*.xml")) if GREEN_BUTTON.is_dir() else []


def need(path: Path) -> bytes:
    if not path.is_file():
        pytest.skip(f"the shared Green Button files are not at {GREEN_BUTTON}")
    return path.read_bytes()
