"""The `utilities` and `keys` commands: argument parsing and the import handler."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gridlink.cli import _build_parser
from gridlink.cli_utilities import import_eia
from gridlink.config import Settings
from tests.eia_data import write_subset


def test_parser_knows_the_new_commands() -> None:
    parser = _build_parser()
    args = parser.parse_args(["utilities", "import-eia", "a.csv", "b.csv", "--edition", "2011"])
    assert (args.files, args.edition) == ([Path("a.csv"), Path("b.csv")], 2011)
    assert parser.parse_args(["keys", "rotate", "--batch-size", "5"]).batch_size == 5
    assert parser.parse_args(["keys", "retire", "k1"]).key_id == "k1"
    with pytest.raises(SystemExit) as exited:
        parser.parse_args(["utilities", "import-eia"])
    assert exited.value.code == 2


def test_import_command(db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = Settings(database_url=db_url, data_dir=tmp_path)
    assert import_eia([tmp_path / "missing.csv"], None, False, settings) == 2
    assert "no such file" in capsys.readouterr().err
    subset = write_subset(tmp_path / "iouzipcodes2011.csv", lambda r: r["state"] == "RI")
    assert import_eia([subset], None, True, settings) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["superseded_rows"] == 0
    assert summary["catalog_utilities"] == summary["utilities_in_files"] > 0
    wrong = tmp_path / "notes_2011.csv"
    wrong.write_text("a,b\n1,2\n")
    assert import_eia([wrong], None, False, settings) == 2
    assert "no column zip" in capsys.readouterr().err
