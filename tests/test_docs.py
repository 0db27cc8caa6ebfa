"""Keep the docs true to the code: settings, error codes, CLI, Quickstart, ADR index, links."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from gridlink.cli import _build_parser
from gridlink.config import Settings
from gridlink.errors import ERROR_CODES, GridlinkError

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
DECISIONS = DOCS / "decisions"
FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
LINK = re.compile(r"\]\(([^)\s]+)\)")


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _section(text: str, heading: str) -> str:
    """The text under ``heading`` (e.g. "## Quickstart") up to the next heading as high."""
    level = len(heading) - len(heading.lstrip("#"))
    lines = text.splitlines()
    start = lines.index(heading) + 1
    end = len(lines)
    for number in range(start, len(lines)):
        match = re.match(r"^(#+) ", lines[number])
        if match and len(match.group(1)) <= level:
            end = number
            break
    return "\n".join(lines[start:end]) + "\n"


def _first_cells(table_text: str) -> list[str]:
    """First cell of each table body row, without backticks (header and separator skipped)."""
    rows = [line for line in table_text.splitlines() if line.startswith("|")]
    cells = [row.split("|")[1].strip() for row in rows[2:]]
    return [cell.strip("`") for cell in cells]


def _table_rows(table_text: str) -> list[list[str]]:
    rows = [line for line in table_text.splitlines() if line.startswith("|")]
    return [[cell.strip().strip("`") for cell in row.split("|")[1:-1]] for row in rows[2:]]


def test_every_setting_is_documented_and_every_documented_setting_exists() -> None:
    table = _section(_read(DOCS / "reference" / "configuration.md"), "## Settings")
    documented = _first_cells(table)
    expected = {f"GRIDLINK_{name.upper()}" for name in Settings.model_fields}
    assert len(documented) == len(set(documented)), "a setting is listed twice"
    assert set(documented) == expected


def test_every_error_code_is_documented_with_its_status() -> None:
    table = _section(_read(DOCS / "reference" / "errors.md"), "## Codes")
    documented = {row[0]: int(row[1]) for row in _table_rows(table)}
    assert set(documented) == set(ERROR_CODES)
    classes = [GridlinkError, *GridlinkError.__subclasses__()]
    statuses = {cls.code: cls.status_code for cls in classes}
    assert set(statuses) == set(ERROR_CODES), "ERROR_CODES and the error classes disagree"
    assert documented == statuses


def test_quickstart_is_exactly_make_serve_and_make_test() -> None:
    quickstart = _section(_read(ROOT / "README.md"), "## Quickstart")
    commands = [
        line.strip()
        for block in FENCE.findall(quickstart)
        for line in block.splitlines()
        if line.strip()
    ]
    assert commands == ["make serve", "make test"]


def test_every_adr_is_linked_from_the_index() -> None:
    index = _read(DECISIONS / "README.md")
    linked = set(LINK.findall(index))
    records = sorted(p.name for p in DECISIONS.glob("[0-9][0-9][0-9][0-9]-*.md"))
    assert records, "no ADRs found"
    assert [name for name in records if name not in linked] == []


def _commands(parser: argparse.ArgumentParser, path: str) -> dict[str, argparse.ArgumentParser]:
    """Every command path (``gridlink clients create``) with its parser."""
    found = {path: parser}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                found.update(_commands(child, f"{path} {name}"))
    return found


def test_cli_reference_covers_every_command_and_option() -> None:
    reference = _read(DOCS / "reference" / "cli.md")
    for path, parser in _commands(_build_parser(), "gridlink").items():
        if path != "gridlink":
            assert f"## `{path}`" in reference, f"no section for {path}"
        for action in parser._actions:
            for option in action.option_strings:
                if option.startswith("--") and option != "--help":
                    assert f"`{option}" in reference, f"{path} {option} is not documented"


DOC_FILES = [
    ROOT / "README.md",
    ROOT / "ARCHITECTURE.md",
    ROOT / "SECURITY.md",
    ROOT / "CHANGELOG.md",
    *sorted(DOCS.rglob("*.md")),
]


@pytest.mark.parametrize("doc", DOC_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_point_at_existing_files(doc: Path) -> None:
    missing = []
    for target in LINK.findall(_read(doc)):
        if re.match(r"^[a-z]+:", target) or target.startswith("#"):
            continue
        if not (doc.parent / target.split("#")[0]).exists():
            missing.append(target)
    assert missing == []
