"""Kusto names are case-sensitive: two columns whose names differ only by case are two columns
(AzureDiagnostics has both `clientIp_s` and `clientIP_s`), though DuckDB matches names case-insensitively."""

from __future__ import annotations

import pytest

from kqlrules.engine.engine import LocalEngine
from kqlrules.table import Column, Table


@pytest.fixture(scope="module")
def engine() -> LocalEngine:
    waf = Table(
        [Column("clientIp_s", "string"), Column("clientIP_s", "string"), Column("hits", "long")],
        [["198.51.100.1", "", 1], ["", "203.0.113.9", 2]],
    )
    return LocalEngine({"Waf": waf})


def test_a_table_keeps_both_columns(engine: LocalEngine) -> None:
    result = engine.query("Waf | order by hits asc")
    assert [c.name for c in result.columns] == ["clientIp_s", "clientIP_s", "hits"]
    assert result.rows == [["198.51.100.1", "", 1], ["", "203.0.113.9", 2]]


def test_each_name_reads_its_own_column(engine: LocalEngine) -> None:
    ip = "iff(isnotempty(clientIp_s), clientIp_s, clientIP_s)"
    query = f"Waf | extend ip = {ip} | order by hits | project ip"
    assert engine.query(query).rows == [["203.0.113.9"], ["198.51.100.1"]]
    assert engine.query('Waf | where clientIP_s == "203.0.113.9" | project hits').rows == [[2]]


def test_summarize_by_both(engine: LocalEngine) -> None:
    result = engine.query("Waf | summarize n = sum(hits) by clientIP_s, clientIp_s | order by n asc")
    assert [c.name for c in result.columns] == ["clientIP_s", "clientIp_s", "n"]
    assert result.rows == [["", "198.51.100.1", 1], ["203.0.113.9", "", 2]]


def test_computed_columns_differing_by_case(engine: LocalEngine) -> None:
    # Before: one DuckDB column, so `A` read `a`'s value ([[1, 1]]).
    assert engine.query("print a = 1, A = 2").rows == [[1, 2]]
    result = engine.query("print a = 1 | extend A = a + 1 | project A, a")
    assert [c.name for c in result.columns] == ["A", "a"]
    assert result.rows == [[2, 1]]
    assert engine.query('datatable(a: long, A: string)[1, "x"] | project A, a').rows == [["x", 1]]


def test_a_name_that_differs_only_by_case_is_still_unknown(engine: LocalEngine) -> None:
    with pytest.raises(Exception, match="CLIENTIP_S"):
        engine.query("Waf | project CLIENTIP_S")
