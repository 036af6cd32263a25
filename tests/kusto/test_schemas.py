"""Schemas: the built-in set, import from Sentinel's shape, and the order a command resolves them in."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from kqlrules.cli.main import app
from kqlrules.kusto import SchemaSet, resolve_schemas
from kqlrules.kusto.schema_import import BUILTIN_FUNCTIONS, BUILTIN_TABLES, import_folders

SENTINEL_TABLE = {
    "Name": "Contoso_CL ",
    "Properties": [{"Name": "TimeGenerated", "Type": "DateTime"}, {"Name": "Score", "Type": "Double"}],
}
SENTINEL_FUNCTION = {
    "FunctionName": "_GetWatchlist",
    "FunctionParameters": [{"Name": "watchlist", "Type": "string", "IsRequired": False}],
    "FunctionResultColumns": [{"Name": "SearchKey", "Type": "string"}],
}


def sentinel_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "sentinel"
    folder.mkdir()
    (folder / "Contoso_CL.json").write_text(json.dumps(SENTINEL_TABLE) + "\n")
    (folder / "watchlist.json").write_text(json.dumps(SENTINEL_FUNCTION)[:-1] + ",}\n")  # a trailing comma
    return folder


def test_the_builtin_set_carries_the_tables_and_functions_users_hit_first() -> None:
    builtin = SchemaSet.builtin()
    assert set(BUILTIN_TABLES) <= set(builtin.tables) and set(BUILTIN_FUNCTIONS) <= set(builtin.functions)
    signin = {c.name: c.type for c in builtin.tables["SigninLogs"].columns}
    assert signin["TimeGenerated"] == "datetime" and signin["UserPrincipalName"] == "string"


def test_import_converts_sentinel_files_into_our_format(tmp_path: Path) -> None:
    out = tmp_path / "ours"
    import_folders([sentinel_folder(tmp_path)], out)
    table = json.loads((out / "Contoso_CL.json").read_text())
    assert table == {"table": "Contoso_CL", "columns": {"TimeGenerated": "datetime", "Score": "real"}}
    function = json.loads((out / "functions" / "_GetWatchlist.json").read_text())
    assert function["parameters"] == [{"name": "watchlist", "type": "string", "required": False}]


def test_an_imported_folder_reads_back_the_same(tmp_path: Path) -> None:
    source = sentinel_folder(tmp_path)
    import_folders([source], tmp_path / "ours")
    assert SchemaSet.load(tmp_path / "ours").to_bridge() == SchemaSet.load(source).to_bridge()


def test_the_import_command_writes_into_the_repository(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["--repo", str(tmp_path), "schema", "import", str(sentinel_folder(tmp_path))]
    )
    assert result.exit_code == 0 and (tmp_path / "schemas" / "Contoso_CL.json").is_file()


def test_repository_schemas_then_extra_folders_override_the_builtin(tmp_path: Path) -> None:
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "SigninLogs.json").write_text(
        json.dumps({"table": "SigninLogs", "columns": {"A": "string"}})
    )
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "Mine_CL.json").write_text(json.dumps({"table": "Mine_CL", "columns": {"B": "long"}}))
    schemas = resolve_schemas(tmp_path, [extra])
    assert [c.name for c in schemas.tables["SigninLogs"].columns] == ["A"]
    assert "Mine_CL" in schemas.tables and "AuditLogs" in schemas.tables


def test_lint_binds_against_a_schemas_folder_given_on_the_command_line(tmp_path: Path) -> None:
    query = tmp_path / "q.kql"
    query.write_text("Contoso_CL | where TimeGenerated > ago(1d) | where Score > 1\n")
    bare = CliRunner().invoke(app, ["--repo", str(tmp_path), "lint", str(query)])
    assert bare.exit_code == 1 and "KS204" in bare.output  # unknown table
    folder = sentinel_folder(tmp_path)
    bound = CliRunner().invoke(app, ["--repo", str(tmp_path), "lint", str(query), "--schemas", str(folder)])
    assert bound.exit_code == 0, bound.output
