"""The one reader of table files, shared by the local workspace's folder and the test cases' fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

from kqlrules.workspace import WorkspaceDataError, load_workspace_folder, read_table_file


def test_a_csv_file_is_text_with_the_column_of_each_header_name(tmp_path: Path) -> None:
    (tmp_path / "T.csv").write_text("User,Count\nbob,3\n\nann,\n")
    read = read_table_file(tmp_path / "T.csv")
    assert read.from_text and read.header_columns == {"User": 1, "Count": 6}
    assert read.records == [(2, {"User": "bob", "Count": "3"}), (4, {"User": "ann", "Count": ""})]


def test_a_csv_row_with_too_few_or_too_many_cells_is_refused_at_its_line(tmp_path: Path) -> None:
    for body in ("A,B\n1,2\n3\n", "A,B\n1,2\n3,4,5\n"):
        (tmp_path / "T.csv").write_text(body)
        with pytest.raises(WorkspaceDataError, match="but the header names 2") as raised:
            load_workspace_folder(tmp_path)
        assert str(raised.value.location).endswith("T.csv:3:1")


def test_a_jsonl_line_that_is_not_an_object_is_refused_at_its_line(tmp_path: Path) -> None:
    (tmp_path / "T.jsonl").write_text('{"A": 1}\n[1, 2]\n')
    with pytest.raises(WorkspaceDataError, match="must be a JSON object") as raised:
        read_table_file(tmp_path / "T.jsonl")
    assert str(raised.value.location).endswith("T.jsonl:2:1")


def test_a_file_that_is_not_parquet_is_refused(tmp_path: Path) -> None:
    (tmp_path / "T.parquet").write_text("not parquet")
    with pytest.raises(WorkspaceDataError, match="malformed Parquet file"):
        read_table_file(tmp_path / "T.parquet")
