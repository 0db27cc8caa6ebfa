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
    for value in (GOOD_PASSWORD, NEW_PASSWORD, MFA_CODE):
        assert f"`{value}`" in DOC
    for name in SandboxSettings.__dataclass_fields__:
        assert f"`{name}`" in DOC
