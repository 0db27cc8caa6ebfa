"""Coverage-guided fuzzing with Atheris (libFuzzer for Python), one target at a time.

    make fuzz TARGET=eia SECONDS=600        # one target for ten minutes
    make fuzz-all SECONDS=600               # each target in turn (the nightly job)

Any escaping exception stops the run and libFuzzer writes the input to ``crash-<hash>``;
replay it with ``python fuzz/run.py TARGET crash-<hash>``. Atheris is not in uv.lock: the
Make targets add the pinned version for the run only (``uv run --with atheris==3.0.0``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["gridlink"]):
    from targets import SEEDS, TARGETS  # type: ignore[import-not-found]


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in TARGETS:
        names = ", ".join(TARGETS)
        sys.exit(f"usage: python fuzz/run.py TARGET [libFuzzer options]; TARGET: {names}")
    name = sys.argv.pop(1)
    target = TARGETS[name]
    for seed in SEEDS.get(name, []):
        target(seed)  # a seed that crashes is a regression: fail before fuzzing
    if not any(not arg.startswith("-") for arg in sys.argv[1:]):  # no corpus or crash file given
        sys.argv.append(str(_corpus(name)))
    atheris.Setup(sys.argv, target)
    atheris.Fuzz()


def _corpus(name: str) -> Path:
    """build/fuzz-corpus/TARGET: the seeds, plus what earlier runs found (kept between runs)."""
    folder = Path(__file__).resolve().parent.parent / "build" / "fuzz-corpus" / name
    folder.mkdir(parents=True, exist_ok=True)
    for number, seed in enumerate(SEEDS.get(name, [])):
        (folder / f"seed-{number}").write_bytes(seed)
    return folder


if __name__ == "__main__":
    main()
