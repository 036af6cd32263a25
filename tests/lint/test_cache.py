"""Lint from the analysis cache: what depends on the query alone is stored, what depends on the unit's
metadata (period, entity columns, disabled codes, declared tables) is worked out again every run."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from kqlrules.kusto import AnalysisCache, Analyzer, SchemaSet
from kqlrules.lint import ColumnUse, Finding, LintUnit, identity_origin, lint_units
from kqlrules.lint.facts import facts_key
from kqlrules.table import Table
from tests.lint.conftest import codes

QUERY = "SigninLogs | where TimeGenerated > ago(1d) | where AppDisplayName contains 'powershell'"


def unit(**metadata: object) -> LintUnit:
    return LintUnit("q.kql", QUERY, identity_origin("q.kql"), **metadata)  # type: ignore[arg-type]


def twice(
    first: LintUnit, second: LintUnit, analyzer: Analyzer, schemas: SchemaSet, folder: Path
) -> tuple[list[Finding], AnalysisCache]:
    cache = AnalysisCache(folder)
    lint_units([first], analyzer, schemas, cache=cache)
    return lint_units([second], analyzer, schemas, cache=cache).findings, cache


def test_the_period_is_compared_again_on_a_cached_query(
    analyzer: Analyzer, schemas: SchemaSet, tmp_path: Path
) -> None:
    found, cache = twice(
        unit(period=timedelta(hours=1)), unit(period=timedelta(days=2)), analyzer, schemas, tmp_path
    )
    assert cache.hits == 1 and sorted(codes(found)) == ["KQR002", "KQR008"]
    found, _ = twice(
        unit(period=timedelta(days=2)), unit(period=timedelta(hours=1)), analyzer, schemas, tmp_path
    )
    assert codes(found) == ["KQR002"]


def test_entity_columns_and_disabled_codes_are_the_current_units(
    analyzer: Analyzer, schemas: SchemaSet, tmp_path: Path
) -> None:
    use = ColumnUse("Nope", "entity Account.Nope", identity_origin("q.yaml")(1, 1))
    changed = unit(column_uses=[use], disabled=frozenset({"KQR002"}))
    found, cache = twice(unit(), changed, analyzer, schemas, tmp_path)
    assert cache.hits == 1 and codes(found) == ["KQR006"]


def test_declared_tables_are_the_current_units(
    analyzer: Analyzer, schemas: SchemaSet, tmp_path: Path
) -> None:
    where = identity_origin("q.yaml")(3, 9)
    changed = unit(declared_tables=("AuditLogs",), tables_location=where)
    found, _ = twice(unit(), changed, analyzer, schemas, tmp_path)
    assert sorted(codes(found)) == ["KQR002", "KQR009", "KQR009"]


def test_an_unreadable_entry_is_worked_out_again(
    analyzer: Analyzer, schemas: SchemaSet, tmp_path: Path
) -> None:
    cache = AnalysisCache(tmp_path)
    first = lint_units([unit()], analyzer, schemas, cache=cache).findings
    cache.put(facts_key(cache, QUERY, schemas), '{"diagnostics": "not a list"}')
    again = lint_units([unit()], analyzer, schemas, cache=cache).findings
    assert again == first and codes(again) == ["KQR002"]


def test_the_key_changes_with_the_watchlists_kqr020_checks(schemas: SchemaSet, tmp_path: Path) -> None:
    cache = AnalysisCache(tmp_path)
    before = facts_key(cache, QUERY, schemas)
    with_watchlist = SchemaSet(dict(schemas.tables), dict(schemas.functions), {"vips": Table([])})
    assert facts_key(cache, QUERY, with_watchlist) != before
    assert facts_key(cache, QUERY + " ", schemas) != before


@pytest.mark.parametrize("query", ["SigninLogs | where", "SigninLogs | where TimeGenerated > ago(1d)"])
def test_a_cached_query_is_linted_without_starting_the_analyzer(
    schemas: SchemaSet, tmp_path: Path, query: str
) -> None:
    cache = AnalysisCache(tmp_path)
    one = LintUnit("q.kql", query, identity_origin("q.kql"))
    with Analyzer() as analyzer:
        first = lint_units([one], analyzer, schemas, cache=cache).findings
    with Analyzer() as analyzer:
        second = lint_units([one], analyzer, schemas, cache=cache).findings
        assert analyzer.pid is None
    assert second == first
