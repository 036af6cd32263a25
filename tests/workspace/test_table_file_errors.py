"""Table files a user wrote badly: not UTF-8, or a whole number beyond a long. Each is reported at its
file:line with a non-zero exit, by the folder reader, `kqlrules query` and `kqlrules workspace serve`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kqlrules.cli.main import app
from kqlrules.workspace.folder import WorkspaceDataError, load_workspace_folder

BEYOND_LONG = 2**63  # one above the largest long


def test_a_jsonl_table_that_is_not_utf8_names_its_line_and_column(tmp_path: Path) -> None:
    (tmp_path / "SigninLogs.jsonl").write_bytes(b'{"User": "ann"}\n{"User": "b\xe9a"}\n')
    with pytest.raises(WorkspaceDataError) as raised:
        load_workspace_folder(tmp_path)
    assert str(raised.value.location).endswith("SigninLogs.jsonl:2:12")
    assert "not UTF-8" in raised.value.message


def test_a_csv_table_that_is_not_utf8_names_its_line(tmp_path: Path) -> None:
    (tmp_path / "AuditLogs.csv").write_bytes(b"OperationName\nAdd user\nDel\xff user\n")
    with pytest.raises(WorkspaceDataError) as raised:
        load_workspace_folder(tmp_path)
    assert str(raised.value.location).endswith("AuditLogs.csv:3:4")


@pytest.mark.parametrize("value", [BEYOND_LONG, -(2**63) - 1])
def test_a_whole_number_beyond_a_long_names_its_line_and_column(tmp_path: Path, value: int) -> None:
    (tmp_path / "SigninLogs.jsonl").write_text(f'{{"Attempts": 1}}\n{{"Attempts": {value}}}\n')
    with pytest.raises(WorkspaceDataError) as raised:
        load_workspace_folder(tmp_path)
    assert str(raised.value.location).endswith("SigninLogs.jsonl:2")
    assert "Attempts" in raised.value.message and "outside the range of a long" in raised.value.message


def test_the_largest_long_is_kept(tmp_path: Path) -> None:
    (tmp_path / "SigninLogs.jsonl").write_text(f'{{"Attempts": {BEYOND_LONG - 1}}}\n')
    assert load_workspace_folder(tmp_path)["SigninLogs"].rows == [[BEYOND_LONG - 1]]


def test_a_csv_cell_beyond_a_long_under_a_schema_is_refused(tmp_path: Path) -> None:
    (tmp_path / "T.schema.json").write_text('{"table": "T", "columns": {"N": "long"}}')
    (tmp_path / "T.csv").write_text(f"N\n{BEYOND_LONG}\n")
    with pytest.raises(WorkspaceDataError, match="outside the range"):
        load_workspace_folder(tmp_path)


def test_kqlrules_query_over_a_bad_table_exits_1_without_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "SigninLogs.jsonl").write_text(f'{{"Attempts": {BEYOND_LONG}}}\n')
    result = CliRunner().invoke(app, ["query", "SigninLogs", "--workspace", f"local:{tmp_path}"])
    assert result.exit_code == 1
    assert "SigninLogs.jsonl:1" in result.output and "Traceback" not in result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)


def test_workspace_serve_over_a_non_utf8_table_exits_1_at_its_line(
    tmp_path: Path, project_root: Path
) -> None:
    (tmp_path / "SigninLogs.jsonl").write_bytes(b'{"User": "\xff"}\n')
    command = [sys.executable, "-m", "kqlrules", "workspace", "serve", str(tmp_path)]
    result = subprocess.run(command, cwd=project_root, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "SigninLogs.jsonl:1:11" in result.stderr and "not UTF-8" in result.stderr
    assert "Traceback" not in result.stderr
