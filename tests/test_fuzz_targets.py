"""The Atheris targets (fuzz/targets.py) run, without Atheris, on their seeds: the inputs that
crashed the parsers before control 41's fixes stay fixed, and the harness itself stays runnable
for `make fuzz`."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

FUZZ = Path(__file__).resolve().parent.parent / "fuzz"


def _targets() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gridlink_fuzz_targets", FUZZ / "targets.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


TARGETS = _targets()


def test_every_target_has_seeds() -> None:
    assert set(TARGETS.SEEDS) == set(TARGETS.TARGETS)


@pytest.mark.parametrize("name", sorted(TARGETS.TARGETS))
def test_each_target_runs_its_seeds(name: str) -> None:
    for seed in TARGETS.SEEDS[name]:
        TARGETS.TARGETS[name](seed)
