"""An unknown column or table: the error names where the schema came from and how to pull the workspace's;
the standard columns every Log Analytics table has are never unknown."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from kqlrules.cli.main import app


def lint(tmp_path: Path, text: str) -> tuple[int, str]:
    (tmp_path / "q.kql").write_text(text)
    result = CliRunner().invoke(app, ["--repo", str(tmp_path), "lint", str(tmp_path / "q.kql")])
    return result.exit_code, result.output


def test_standard_and_cross_tenant_columns_lint_clean(tmp_path: Path) -> None:
    code, output = lint(
        tmp_path,
        "SigninLogs\n| where TimeGenerated > ago(1d)\n"
        "| summarize count() by Type, TenantId, _ResourceId, _SubscriptionId, _IsBillable, HomeTenantId,"
        " ResourceTenantId, bin(_BilledSize, 100), bin(_TimeReceived, 1h), _ItemId, SourceSystem\n",
    )
    assert code == 0, output


def test_an_unknown_column_names_the_built_in_schema_and_schema_pull(tmp_path: Path) -> None:
    code, output = lint(tmp_path, "SigninLogs\n| where TimeGenerated > ago(1d)\n| where Nope == 1\n")
    assert code == 1
    flat = " ".join(output.split())
    assert "KS142" in flat and "SigninLogs: kqlrules' built-in schema" in flat
    assert "Log Analytics table reference" in flat and "kqlrules schema pull" in flat


def test_a_repository_schema_is_named_by_its_file(tmp_path: Path) -> None:
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "SigninLogs.json").write_text(
        '{"table": "SigninLogs", "source": "workspace soc-ws", "columns": {"TimeGenerated": "datetime"}}'
    )
    (tmp_path / "kqlrules.toml").write_text("")
    (tmp_path / "queries").mkdir()
    code, output = lint(tmp_path, "SigninLogs\n| where TimeGenerated > ago(1d)\n| where UserId == 1\n")
    flat = " ".join(output.split())
    assert code == 1 and "SigninLogs.json (from workspace soc-ws)" in flat


def test_an_unknown_table_says_how_to_add_it(tmp_path: Path) -> None:
    code, output = lint(tmp_path, "Contoso_CL\n| where TimeGenerated > ago(1d)\n")
    flat = " ".join(output.split())
    assert code == 1 and "KS204" in flat and "kqlrules schema pull" in flat
