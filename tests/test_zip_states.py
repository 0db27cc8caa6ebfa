from __future__ import annotations

from collections import defaultdict

import pytest

from gridlink.connectors.sandbox import SANDBOX_UTILITIES
from gridlink.utilities.zip_states import state_for_zip
from tests.eia_data import eia_rows


@pytest.mark.parametrize(
    ("zip_code", "state"),
    [
        ("00501", "NY"),
        ("00601", "PR"),
        ("01001", "MA"),
        ("02108", "MA"),
        ("05501", "MA"),
        ("10001", "NY"),
        ("20001", "DC"),
        ("20101", "VA"),
        ("60601", "IL"),
        ("73301", "TX"),
        ("77002", "TX"),
        ("88510", "TX"),
        ("94110", "CA"),
        ("96801", "HI"),
        ("99950", "AK"),
    ],
)
def test_known_prefixes(zip_code: str, state: str) -> None:
    assert state_for_zip(zip_code) == state


SANDBOX_ZIPS = sorted({z for u in SANDBOX_UTILITIES for z in u.info.zips})


def test_the_sandbox_declares_000xx_zips() -> None:
    assert SANDBOX_ZIPS  # else the test below checks none of them
    assert all(z.startswith("000") for z in SANDBOX_ZIPS)


@pytest.mark.parametrize(
    "zip_code", [*SANDBOX_ZIPS, "00000", "00499", "09001", "34001", "96201", "ab123", ""]
)
def test_sandbox_military_and_malformed_zips_have_no_state(zip_code: str) -> None:
    """No state for the sandbox's zips: a sandbox zip never falls back to a state's utilities."""
    assert state_for_zip(zip_code) is None


def test_prefix_table_agrees_with_the_eia_data() -> None:
    """Every zip of the 2011 files but two served across a state line (Fishers Island, NY, has
    a Connecticut prefix; 83414 is in Wyoming with an Idaho prefix)."""
    states: dict[str, set[str]] = defaultdict(set)
    for row in eia_rows():
        states[row["zip"]].add(row["state"])
    disagree = sorted(z for z, found in states.items() if state_for_zip(z) not in found)
    assert len(states) == 39244
    assert disagree == ["06390", "83414"]
