"""todynamic() and toobject() are documented aliases of parse_json(), which takes a dynamic value as it is
(learn.microsoft.com/kusto/query/parse-json-function). The analyzer's signature of the aliases takes only a
string; the engine overrides that one error, and no other."""

from __future__ import annotations

import pytest

from kqlrules.engine import KqlSemanticError, LocalEngine


@pytest.mark.parametrize("alias", ["todynamic", "toobject"])
def test_an_alias_of_parse_json_takes_a_dynamic_value_as_it_is(alias: str) -> None:
    table = LocalEngine(None).query(f'print x = {alias}(dynamic({{"a": [1, 2]}})), y = {alias}("[3]")')
    assert table.rows == [[{"a": [1, 2]}, [3]]]


def test_a_scalar_of_dynamic_type_from_a_table_goes_through_the_alias() -> None:
    query = 'let t = datatable(a: string)["x", "y"]; print s = todynamic(toscalar(t | summarize make_set(a)))'
    assert sorted(LocalEngine(None).query(query).rows[0][0]) == ["x", "y"]


def test_an_argument_of_another_type_is_still_the_analyzer_error() -> None:
    with pytest.raises(KqlSemanticError, match="string expected"):
        LocalEngine(None).query("print x = todynamic(1)")


def test_the_same_error_on_another_function_is_still_reported() -> None:
    with pytest.raises(KqlSemanticError, match="string expected"):
        LocalEngine(None).query("print x = parse_url(dynamic([1]))")


def test_columns_whose_names_differ_only_by_case_are_two_columns() -> None:
    # AzureDiagnostics' schema has both clientIp_s and clientIP_s; Kusto names are case-sensitive.
    from kqlrules.kusto import SchemaSet

    schemas = SchemaSet()
    schemas.add_table("Waf", [("clientIP_s", "string"), ("clientIp_s", "string")])
    engine = LocalEngine(None, schemas=schemas)
    assert engine.query("Waf | project clientIP_s").columns[0].name == "clientIP_s"
    assert engine.query("Waf | project clientIp_s").columns[0].name == "clientIp_s"
    with pytest.raises(KqlSemanticError, match="known column"):
        engine.query("Waf | project clientIpAddress")


@pytest.mark.parametrize("plugin", ["basket(0.2)", "autocluster()", "diffpatterns(a, \"x\", \"y\")"])
def test_a_pattern_plugin_answers_an_input_with_no_row_and_refuses_rows(plugin: str) -> None:
    from kqlrules.engine import UnsupportedKql

    engine = LocalEngine(None)
    empty = engine.query(f"datatable(a: string, b: long)[] | evaluate {plugin}")
    assert empty.rows == [] and empty.columns
    with pytest.raises(UnsupportedKql, match="over rows"):
        engine.query(f'datatable(a: string, b: long)["x", 1, "y", 2] | evaluate {plugin}')
