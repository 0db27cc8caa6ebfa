"""docs/reference/sandbox.md must describe every scenario and utility the code has."""

from __future__ import annotations

from pathlib import Path

from gridlink.connectors.sandbox import (
    GOOD_PASSWORD,
    MFA_CODE,
    NEW_PASSWORD,
    SANDBOX_UTILITIES,
    SandboxSettings,
    Scenario,
)
from gridlink.connectors.sandbox.scenarios import TOTP_SECRET

DOC = (Path(__file__).parents[2] / "docs" / "reference" / "sandbox.md").read_text()


def test_every_scenario_has_a_row() -> None:
    rows = [line for line in DOC.splitlines() if line.startswith("| `user_")]
    documented = {row.split("`")[1] for row in rows}
    assert documented == {s.value for s in Scenario}


def test_every_utility_and_zip_is_listed() -> None:
    for utility in SANDBOX_UTILITIES:
        row = next(line for line in DOC.splitlines() if line.startswith(f"| `{utility.info.id}`"))
        assert utility.info.name in row
        assert utility.time_zone in row
        assert all(z in row for z in utility.info.zips)


def test_passwords_code_and_settings_match() -> None:
    for value in (GOOD_PASSWORD, NEW_PASSWORD, MFA_CODE, TOTP_SECRET):
        assert f"`{value}`" in DOC
    for name in SandboxSettings.__dataclass_fields__:
        assert f"`{name}`" in DOC


def test_shared_zips_are_documented_best_guess_first() -> None:
    """The catalog ranks a zip's utilities in the order the sandbox declares them."""
    by_zip: dict[str, list[str]] = {}
    for utility in SANDBOX_UTILITIES:
        for zip_code in utility.info.zips:
            by_zip.setdefault(zip_code, []).append(utility.info.id)
    shared = {zip_code: ids for zip_code, ids in by_zip.items() if len(ids) > 1}
    assert shared
    text = " ".join(DOC.split())
    for zip_code, ids in shared.items():
        start = text.index(f"Zip `{zip_code}` is served by")
        positions = [text.index(f"`{utility_id}`", start) for utility_id in ids]
        assert positions == sorted(positions)
