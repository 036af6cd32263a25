"""Local workspace folders: one file per table, optional schemas, values coerced to the schema's types."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kqlrules.engine import EMPTY, ExternalData, LocalEngine, UnsupportedKql
from kqlrules.table import Column
from kqlrules.workspace.folder import WorkspaceDataError, load_workspace_folder


def _schema(folder: Path, table: str, columns: dict[str, str]) -> None:
    (folder / f"{table}.schema.json").write_text(json.dumps({"table": table, "columns": columns}))


def test_jsonl_rows_are_coerced_to_the_schema(tmp_path: Path) -> None:
    _schema(
        tmp_path,
        "SigninLogs",
        {"TimeGenerated": "datetime", "User": "string", "Code": "long", "D": "timespan"},
    )
    lines = [
        {"TimeGenerated": "2024-01-01T10:00:00Z", "User": "alice", "Code": "7", "D": "01:00:00"},
        {"User": None},
    ]
    (tmp_path / "SigninLogs.jsonl").write_text("\n".join(json.dumps(line) for line in lines))
    table = load_workspace_folder(tmp_path)["SigninLogs"]
    assert table.rows[0] == [datetime(2024, 1, 1, 10, tzinfo=UTC), "alice", 7, timedelta(hours=1)]
    assert table.rows[1] == [None, "", None, None]


def test_a_schema_alone_gives_an_empty_table(tmp_path: Path) -> None:
    _schema(tmp_path, "AuditLogs", {"OperationName": "string"})
    tables = load_workspace_folder(tmp_path)
    assert LocalEngine(tables).query("AuditLogs | count").rows == [[0]]


def test_csv_without_a_schema_infers_types(tmp_path: Path) -> None:
    (tmp_path / "Events.csv").write_text("User,When\nbob,2024-01-02T00:00:00Z\n")
    table = load_workspace_folder(tmp_path)["Events"]
    assert [(c.name, c.type) for c in table.columns] == [("User", "string"), ("When", "datetime")]


def test_a_bad_value_names_its_file_line_and_column(tmp_path: Path) -> None:
    _schema(tmp_path, "T", {"Code": "long"})
    (tmp_path / "T.jsonl").write_text('{"Code": 1}\n{"Code": "x"}\n')
    with pytest.raises(WorkspaceDataError) as error:
        load_workspace_folder(tmp_path)
    assert str(error.value).startswith(f"{tmp_path / 'T.jsonl'}:2: column Code")


def test_externaldata_reads_a_local_file(tmp_path: Path) -> None:
    data = tmp_path / "feed.csv"
    data.write_text("ip,score\n10.0.0.1,5\n")
    kql = f'externaldata(ip:string, score:long)[@"{data}"] with (format="csv", ignoreFirstRecord=true)'
    assert LocalEngine().query(kql).rows == [["10.0.0.1", 5]]


def test_externaldata_maps_a_url_to_a_local_file(tmp_path: Path) -> None:
    data = tmp_path / "feed.txt"
    data.write_text("a\nb\n")
    engine = LocalEngine(externaldata={"https://example.com/feed.txt": str(data)})
    result = engine.query('externaldata(line:string)["https://example.com/feed.txt"] with (format="txt")')
    assert result.rows == [["a"], ["b"]]


def test_an_unmapped_url_is_refused_naming_it() -> None:
    with pytest.raises(UnsupportedKql, match=re.escape("https://example.com/feed.csv")):
        LocalEngine().query('externaldata(ip:string)["https://example.com/feed.csv"]')


def test_a_url_mapped_to_empty_is_no_rows_of_the_declared_columns() -> None:
    engine = LocalEngine(externaldata={"https://example.com/feed.csv": EMPTY})
    result = engine.query('externaldata(ip:string, seen:datetime)["https://example.com/feed.csv"]')
    assert result.columns == [Column("ip", "string"), Column("seen", "datetime")]
    assert result.rows == []


def test_every_unmapped_url_can_be_read_as_empty(tmp_path: Path) -> None:
    data = tmp_path / "feed.txt"
    data.write_text("a\n")
    engine = LocalEngine(externaldata=ExternalData({"https://example.com/a.txt": data}, unmapped="empty"))
    urls = '"https://example.com/a.txt", "https://example.com/b.txt"'
    kql = f'externaldata(line:string)[{urls}] with (format="txt")'
    assert engine.query(kql).rows == [["a"]]


def test_zippattern_over_an_empty_source_reads_nothing() -> None:
    engine = LocalEngine(externaldata=ExternalData(unmapped="empty"))
    kql = 'externaldata(d:string)["https://example.com/top.csv.zip"] with (format="csv", zipPattern="*.csv")'
    assert engine.query(kql).rows == []


def test_zippattern_over_a_local_file_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "top.csv.zip"
    data.write_bytes(b"PK")
    engine = LocalEngine(externaldata={"https://example.com/top.csv.zip": str(data)})
    kql = 'externaldata(d:string)["https://example.com/top.csv.zip"] with (format="csv", zipPattern="*.csv")'
    with pytest.raises(UnsupportedKql, match="zippattern"):
        engine.query(kql)
