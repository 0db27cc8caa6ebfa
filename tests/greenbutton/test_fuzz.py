"""Property-based fuzz of the Green Button reader: random bytes, and real files mutated,
give a parsed result or GreenButtonError, never another exception.

Bounded for the suite by ``GRIDLINK_FUZZ_EXAMPLES`` (default 200 as elsewhere; here a fifth
of it per case, so the whole file stays within a few seconds).
"""

from __future__ import annotations

import contextlib
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gridlink.greenbutton import GreenButtonError, parse
from tests.greenbutton.shared_files import GREEN_BUTTON

EXAMPLES = max(10, int(os.environ.get("GRIDLINK_FUZZ_EXAMPLES", "200")) // 5)
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SMALL = ["sandbox_bulk_15min_usagesummary_costs.xml", "pge_cmd_usagesummaries_costs.xml"]
SEEDS = [
    (GREEN_BUTTON / name).read_bytes() for name in SMALL if (GREEN_BUTTON / name).is_file()
] or [b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><content/></entry></feed>']
SEEDS.append(b"TYPE,DATE,START TIME,END TIME,USAGE,UNITS,COST\nE,2024-01-01,00:00,00:14,1,kWh,$1\n")


def _read(data: bytes) -> None:
    with contextlib.suppress(GreenButtonError):
        parse(data)


@FUZZ
@given(st.binary(max_size=2000))
def test_random_bytes(data: bytes) -> None:
    _read(data)


@FUZZ
@given(st.sampled_from(SEEDS), st.data())
def test_mutated_real_files(seed: bytes, data: st.DataObject) -> None:
    mutated = bytearray(seed)
    for _ in range(data.draw(st.integers(1, 8))):
        at = data.draw(st.integers(0, len(mutated) - 1))
        action = data.draw(st.sampled_from(["flip", "cut", "insert"]))
        if action == "flip":
            mutated[at] = data.draw(st.integers(0, 255))
        elif action == "cut":
            del mutated[at : at + data.draw(st.integers(1, 40))]
        else:
            piece = data.draw(st.sampled_from([b"-", b"99999999999999", b"<x>", b"", b"1e400"]))
            mutated[at:at] = piece
        if not mutated:
            break
    _read(bytes(mutated))


@FUZZ
@given(st.text(max_size=30), st.text(max_size=30))
def test_espi_values(value: str, start: str) -> None:
    from xml.sax.saxutils import escape

    body = (
        '<IntervalBlock xmlns="http://naesb.org/espi"><IntervalReading><timePeriod>'
        f"<duration>900</duration><start>{escape(start)}</start></timePeriod>"
        f"<value>{escape(value)}</value></IntervalReading></IntervalBlock>"
    )
    _read(body.encode("utf-8", "surrogatepass"))
