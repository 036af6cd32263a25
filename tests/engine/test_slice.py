"""The engine's first slice: tables, where/extend/project/summarize/take/sort, literals, lets, calls."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kqlrules.engine import KqlSemanticError, KqlSyntaxError, LocalEngine, UnsupportedKql
from tests.engine.conftest import NOW


def test_where_and_count_by_user(engine: LocalEngine) -> None:
    result = engine.query(
        "SigninLogs | where ResultType == 50126 | summarize count() by UserPrincipalName"
        " | sort by UserPrincipalName asc"
    )
    assert result.column_names == ["UserPrincipalName", "count_"]
    assert result.rows == [["alice@contoso.com", 1], ["bob@contoso.com", 1]]


def test_equality_on_strings_is_case_sensitive(engine: LocalEngine) -> None:
    result = engine.query('SigninLogs | where UserPrincipalName == "alice@contoso.com" | count')
    assert result.rows == [[2]]


def test_bin_groups_by_the_hour(engine: LocalEngine) -> None:
    result = engine.query(
        "SigninLogs | summarize n = count() by bin(TimeGenerated, 1d) | sort by TimeGenerated asc"
    )
    assert result.rows == [[datetime(2024, 1, 1, tzinfo=UTC), 2], [datetime(2024, 1, 2, tzinfo=UTC), 2]]


def test_ago_is_pinned_to_the_given_instant(engine: LocalEngine) -> None:
    result = engine.query("SigninLogs | where TimeGenerated > ago(1d) | count", now=NOW)
    assert result.rows == [[2]]


def test_extend_then_project_keeps_analyzer_names(engine: LocalEngine) -> None:
    result = engine.query(
        "SigninLogs | take 1 | extend Hours = 2h, App = tostring(Props.app) | project App, Hours"
    )
    assert result.column_names == ["App", "Hours"]
    assert result.rows == [["Teams", timedelta(hours=2)]]


def test_sort_defaults_to_descending_with_nulls_last(engine: LocalEngine) -> None:
    result = engine.query("SigninLogs | sort by ResultType | project ResultType")
    assert [r[0] for r in result.rows] == [50126, 50126, 0, None]


def test_sort_ascending_puts_nulls_first(engine: LocalEngine) -> None:
    result = engine.query("SigninLogs | sort by ResultType asc | project ResultType")
    assert [r[0] for r in result.rows] == [None, 0, 50126, 50126]


def test_let_scalars_and_tables(engine: LocalEngine) -> None:
    kql = "let code = 50126; let failures = SigninLogs | where ResultType == code; failures | count"
    assert engine.query(kql).rows == [[2]]


def test_let_function_with_default_parameter(engine: LocalEngine) -> None:
    result = engine.query("let add = (x: long, y: long = 10) { x + y }; print a = add(1), b = add(1, 2)")
    assert result.rows == [[11, 3]]


def test_print_names_unnamed_columns(engine: LocalEngine) -> None:
    result = engine.query("print 1, x = 2")
    assert result.column_names == ["print_0", "x"]


def test_schema_only_table_is_empty() -> None:
    from kqlrules.kusto import SchemaSet

    schemas = SchemaSet()
    schemas.add_table("AuditLogs", [("OperationName", "string")])
    result = LocalEngine(schemas=schemas).query("AuditLogs | summarize count()")
    assert result.rows == [[0]]


def test_unknown_column_is_a_semantic_error(engine: LocalEngine) -> None:
    with pytest.raises(KqlSemanticError) as error:
        engine.query("SigninLogs\n| where Nope == 1")
    assert (error.value.line, error.value.col) == (2, 9)


def test_syntax_error(engine: LocalEngine) -> None:
    with pytest.raises(KqlSyntaxError):
        engine.query("SigninLogs | where (")


def test_unsupported_construct_names_itself_and_its_position(engine: LocalEngine) -> None:
    with pytest.raises(UnsupportedKql) as error:
        engine.query("SigninLogs\n| evaluate autocluster()")
    assert (error.value.line, error.value.col) == (2, 3)


def test_datetimes_come_back_aware_utc(engine: LocalEngine) -> None:
    value = engine.query("print d = datetime(2024-05-01 10:00)").rows[0][0]
    assert value == datetime(2024, 5, 1, 10, tzinfo=UTC)


def test_type_column_names_the_table_when_asked() -> None:
    from kqlrules.table import Column, Table

    table = Table([Column("User", "string")], [["alice"]])
    result = LocalEngine({"SigninLogs": table}, type_column=True).query("SigninLogs | project Type")
    assert result.rows == [["SigninLogs"]]


def test_standard_columns_are_there_when_asked_and_empty_for_rows_without_them() -> None:
    from kqlrules.table import Column, Table

    table = Table([Column("User", "string")], [["alice"]])
    engine = LocalEngine({"SigninLogs": table}, type_column=True)
    result = engine.query("SigninLogs | project Type, _ResourceId, _SubscriptionId")
    assert result.rows == [["SigninLogs", "", ""]]
    with pytest.raises(KqlSemanticError):
        LocalEngine({"SigninLogs": table}).query("SigninLogs | project _ResourceId")
