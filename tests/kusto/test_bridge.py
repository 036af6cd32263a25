"""The analyzer bridge: one Node process, schemas defined once, diagnostics with line and column."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kqlrules.errors import KqlrulesError
from kqlrules.kusto import AnalysisCache, Analyzer, SchemaSet
from kqlrules.kusto.schemas import FunctionSchema


@pytest.fixture(scope="module")
def analyzer() -> Iterator[Analyzer]:
    # Two worker threads (the other tests run one, tests/conftest.py): `define` reaches both and answers
    # that come back out of order are matched by id.
    with Analyzer(workers=2) as instance:
        yield instance


@pytest.fixture(scope="module")
def schemas() -> SchemaSet:
    schemas = SchemaSet()
    schemas.add_table("SigninLogs", [("TimeGenerated", "datetime"), ("UserPrincipalName", "string")])
    return schemas


def test_output_schema_follows_summarize(analyzer: Analyzer, schemas: SchemaSet) -> None:
    analysis = analyzer.analyze("SigninLogs | summarize count() by UserPrincipalName", schemas)
    assert analysis.diagnostics == []
    assert [(c.name, c.type) for c in analysis.result_columns or []] == [
        ("UserPrincipalName", "string"),
        ("count_", "long"),
    ]
    assert analysis.tables == ["SigninLogs"]


def test_unknown_column_is_reported_at_its_line_and_column(analyzer: Analyzer, schemas: SchemaSet) -> None:
    analysis = analyzer.analyze("SigninLogs\n| where Nope == 1", schemas)
    [error] = analysis.errors
    assert (error.line, error.col, error.code) == (2, 9, "KS142")
    assert "Nope" in error.message


def test_syntax_error_is_a_syntax_diagnostic(analyzer: Analyzer, schemas: SchemaSet) -> None:
    analysis = analyzer.analyze("SigninLogs | where (", schemas)
    assert analysis.syntax_errors


def test_typed_tree_carries_types_and_symbols(analyzer: Analyzer, schemas: SchemaSet) -> None:
    tree = analyzer.analyze("SigninLogs | take 1", schemas, tree=True).tree
    assert tree is not None
    found: list[dict[str, object]] = []

    def walk(node: dict[str, object]) -> None:
        if node.get("sym") == ["SigninLogs", "Table"]:
            found.append(node)
        for child in node.get("c", []):  # type: ignore[attr-defined]
            walk(child)

    walk(tree)
    assert found and found[0]["cols"] == [["TimeGenerated", "datetime"], ["UserPrincipalName", "string"]]


def test_a_killed_process_is_restarted(analyzer: Analyzer, schemas: SchemaSet) -> None:
    analyzer.ping()
    assert analyzer.pid is not None
    os.kill(analyzer.pid, signal.SIGKILL)
    analysis = analyzer.analyze("SigninLogs | take 1", schemas)
    assert analysis.diagnostics == []


def test_nul_bytes_are_refused_with_a_message(analyzer: Analyzer, schemas: SchemaSet) -> None:
    with pytest.raises(KqlrulesError, match="NUL"):
        analyzer.analyze("SigninLogs\x00", schemas)


def test_many_queries_come_back_in_order_with_failures_in_place(
    analyzer: Analyzer, schemas: SchemaSet
) -> None:
    texts = ["SigninLogs | take 1", "SigninLogs\x00", "SigninLogs | where Nope == 1", "print 1"]
    outcomes = list(analyzer.analyze_many(texts, schemas))
    assert [type(o).__name__ for o in outcomes] == ["Analysis", "KqlrulesError", "Analysis", "Analysis"]
    assert [o.text for o in outcomes if not isinstance(o, KqlrulesError)] == [texts[0], texts[2], texts[3]]
    assert [d.code for d in outcomes[2].errors] == ["KS142"]  # type: ignore[union-attr]


def test_syntax_diagnostics_need_no_schema(analyzer: Analyzer) -> None:
    errors = analyzer.syntax_diagnostics("T | where (")
    assert [(e.code, e.message, e.col) for e in errors] == [
        ("KS006", "Missing expression", 12),
        ("KS005", "Expected: )", 12),
    ]


def test_a_column_named_twice_is_kept_once_with_its_first_type(analyzer: Analyzer) -> None:
    # Some published schema files repeat a column; the analyzer's own schema parser keeps the first.
    schemas = SchemaSet()
    schemas.add_table("Repeats", [("QueryText", "string"), ("Rows", "long"), ("QueryText", "int")])
    analysis = analyzer.analyze("Repeats", schemas)
    assert [(c.name, c.type) for c in analysis.result_columns or []] == [
        ("QueryText", "string"),
        ("Rows", "long"),
    ]


def test_column_names_that_need_quoting_are_kept_whole(analyzer: Analyzer) -> None:
    # Written into a schema text, a backslash in a name ended the column list there.
    schemas = SchemaSet()
    names = ["it's", "back\\slash", "with space", "After"]
    schemas.add_table("Odd", [(name, "string") for name in names])
    analysis = analyzer.analyze("Odd | project ['with space'], After", schemas)
    assert analysis.diagnostics == []
    assert [c.name for c in analyzer.analyze("Odd", schemas).result_columns or []] == names


def test_each_answer_carries_each_column_list_once(analyzer: Analyzer, schemas: SchemaSet) -> None:
    # On the wire a tabular node names its column list by index; the reader puts the list back in place.
    analyzer.analyze("SigninLogs", schemas)  # defines the schema in the process
    raw = analyzer._call(
        {
            "op": "analyze",
            "schema": schemas.fingerprint(),
            "tree": True,
            "text": "SigninLogs | where true | take 1",
        }
    )
    indexes: list[object] = []

    def walk(node: dict[str, object]) -> None:
        if "cols" in node:
            indexes.append(node["cols"])
        for child in node.get("c", []):  # type: ignore[attr-defined]
            walk(child)

    walk(raw["tree"])
    assert len(indexes) > 1 and set(indexes) == {0}
    assert raw["tree"]["cs"] == [[["TimeGenerated", "datetime"], ["UserPrincipalName", "string"]]]
    tree = analyzer.analyze("SigninLogs | where true | take 1", schemas, tree=True).tree
    assert tree is not None and "cs" not in tree


def _expansions(node: dict[str, Any]) -> int:
    found = 1 if "x" in node else 0
    return found + sum(_expansions(child) for child in node.get("c", []))


def test_a_tree_without_expansions_leaves_the_functions_bodies_out(analyzer: Analyzer) -> None:
    schemas = SchemaSet()
    schemas.add_table("SigninLogs", [("TimeGenerated", "datetime"), ("UserPrincipalName", "string")])
    schemas.functions["Recent"] = FunctionSchema("Recent", body="SigninLogs | where TimeGenerated > ago(1h)")
    query = "Recent | project UserPrincipalName"
    full = analyzer.analyze(query, schemas, tree=True)
    lean = analyzer.analyze(query, schemas, tree=True, expansions=False)
    assert full.tree is not None and _expansions(full.tree) == 1
    assert lean.tree is not None and _expansions(lean.tree) == 0
    assert (lean.diagnostics, lean.result_columns, lean.tables) == (
        full.diagnostics,
        full.result_columns,
        full.tables,
    )
    [many] = analyzer.analyze_many([query], schemas, tree=True, expansions=False)
    assert not isinstance(many, KqlrulesError) and many.tree is not None and _expansions(many.tree) == 0


def test_the_cache_keeps_trees_with_and_without_expansions_apart(tmp_path: Path) -> None:
    cache = AnalysisCache(tmp_path)
    assert cache.key("T", "f", True) == cache.key("T", "f", True, True)
    assert cache.key("T", "f", True, False) != cache.key("T", "f", True)
