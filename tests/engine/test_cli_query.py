"""`kqlrules query`: one query or a JSON-lines batch over a local workspace."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from kqlrules.cli.main import app


def _workspace(tmp_path: Path) -> Path:
    (tmp_path / "T.jsonl").write_text('{"User": "alice", "When": "2024-01-01T10:00:00Z"}\n')
    return tmp_path


def test_query_prints_json(tmp_path: Path) -> None:
    args = [
        "query",
        "--workspace",
        f"local:{_workspace(tmp_path)}",
        "--format",
        "json",
        "T | project User, When",
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {
        "columns": [{"name": "User", "type": "string"}, {"name": "When", "type": "datetime"}],
        "rows": [["alice", "2024-01-01T10:00:00Z"]],
    }


def test_batch_answers_every_line_even_after_a_bad_query(tmp_path: Path) -> None:
    batch = tmp_path / "batch.jsonl"
    batch.write_text('{"id": 1, "query": "T | where"}\n{"id": 2, "query": "T | count"}\n')
    args = ["query", "--workspace", f"local:{_workspace(tmp_path)}", "--jsonl", str(batch)]
    result = CliRunner().invoke(app, args)
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert first["id"] == 1 and first["error"]["kind"] == "syntax" and first["error"]["line"] == 1
    assert second == {"id": 2, "columns": [{"name": "Count", "type": "long"}], "rows": [[1]]}


def test_now_pins_ago(tmp_path: Path) -> None:
    args = ["query", "--now", "2024-01-01T12:00:00Z", "--format", "csv", "print t = ago(1h)"]
    result = CliRunner().invoke(app, args)
    assert result.stdout.splitlines() == ["t", "2024-01-01T11:00:00Z"]


def test_an_unknown_column_is_an_error_with_its_position_and_exit_1(tmp_path: Path) -> None:
    args = ["query", "--workspace", f"local:{_workspace(tmp_path)}", "T | where Nope == 1"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    assert "<query>:1:11:" in result.output


def test_externaldata_reads_a_url_from_a_local_file(tmp_path: Path) -> None:
    feed = tmp_path / "feed.csv"
    feed.write_text("10.0.0.1\n")
    url = "https://example.com/feed.csv?x=1"
    args = [
        "query",
        "--externaldata",
        f"{url}={feed}",
        "--format",
        "csv",
        f'externaldata(ip:string)["{url}"]',
    ]
    result = CliRunner().invoke(app, args)
    assert result.stdout.splitlines() == ["ip", "10.0.0.1"]


def test_empty_externaldata_reads_unmapped_urls_as_no_rows() -> None:
    query = 'externaldata(ip:string)["https://example.com/feed.csv"] | count'
    result = CliRunner().invoke(app, ["query", "--empty-externaldata", "--format", "csv", query])
    assert result.stdout.splitlines() == ["Count", "0"]


def test_an_unmapped_url_is_a_message_naming_it() -> None:
    query = 'externaldata(ip:string)["https://example.com/feed.csv"]'
    result = CliRunner().invoke(app, ["query", query])
    assert result.exit_code == 1
    assert "https://example.com/feed.csv" in result.output


def _wide_workspace(tmp_path: Path, columns: int) -> Path:
    row = {f"Column{i:02d}": f"value-{i}" for i in range(columns)}
    (tmp_path / "Wide.jsonl").write_text(json.dumps(row) + "\n")
    return tmp_path


def test_a_result_too_wide_for_the_terminal_prints_one_record_per_row(tmp_path: Path) -> None:
    args = ["query", "--workspace", f"local:{_wide_workspace(tmp_path, 30)}", "Wide"]
    result = CliRunner().invoke(app, args, env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("-- row 1 --")
    assert any(line.split() == ["Column29", "value-29"] for line in lines)


def test_a_narrow_result_is_a_table(tmp_path: Path) -> None:
    args = ["query", "--workspace", f"local:{_wide_workspace(tmp_path, 2)}", "Wide"]
    result = CliRunner().invoke(app, args, env={"COLUMNS": "80"})
    assert result.exit_code == 0 and "-- row" not in result.stdout
    assert "Column01" in result.stdout.splitlines()[1]


def test_columns_chooses_and_orders_the_columns(tmp_path: Path) -> None:
    workspace = f"local:{_wide_workspace(tmp_path, 30)}"
    args = ["query", "--workspace", workspace, "--columns", "Column07,Column02", "--format", "csv", "Wide"]
    result = CliRunner().invoke(app, args)
    assert result.stdout.splitlines() == ["Column07,Column02", "value-7,value-2"]


def test_a_column_the_result_lacks_is_a_usage_error_with_candidates(tmp_path: Path) -> None:
    args = ["query", "--workspace", f"local:{_wide_workspace(tmp_path, 3)}", "--columns", "Colum01", "Wide"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert "no column 'Colum01'" in result.stderr and "Column01" in result.stderr


def test_the_old_table_format_name_still_reads_as_text(tmp_path: Path) -> None:
    args = ["query", "--workspace", f"local:{_wide_workspace(tmp_path, 2)}", "--format", "table", "Wide"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0 and "value-1" in result.stdout
