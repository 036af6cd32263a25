"""The semantic suite: every case of tests/engine/cases/*.yaml, run on the local engine.

Expected outputs follow the Kusto documentation's rules (defaults of sort, column naming, null handling...).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from kqlrules.datetimes import parse_datetime
from kqlrules.engine import KqlEngineError, LocalEngine
from kqlrules.table import Column, Table
from kqlrules.table import json_cell as cell

CASES = Path(__file__).with_name("cases")
NOW = datetime(2024, 1, 3, tzinfo=UTC)


def _load(name: str) -> Any:
    return YAML(typ="safe").load((CASES / name).read_text(encoding="utf-8"))


def _tables() -> dict[str, Table]:
    tables = {}
    for name, spec in _load("tables.yaml").items():
        columns = [Column(n, t) for n, t in spec["columns"].items()]
        rows = [
            [
                parse_datetime(v) if c.type == "datetime" and v is not None else v
                for c, v in zip(columns, row, strict=True)
            ]
            for row in spec["rows"]
        ]
        tables[name] = Table(columns, rows)
    return tables


def _cases() -> Iterator[Any]:
    for file in sorted(CASES.glob("*.yaml")):
        if file.name == "tables.yaml":
            continue
        for case in _load(file.name):
            yield pytest.param(case, id=f"{file.stem}: {case['name']}")


@pytest.fixture(scope="module")
def engine() -> LocalEngine:
    return LocalEngine(_tables())


def _key(row: list[Any]) -> str:
    return json.dumps(row, sort_keys=True, default=str)


@pytest.mark.parametrize("case", list(_cases()))
def test_case(engine: LocalEngine, case: dict[str, Any]) -> None:
    if "error" in case:
        with pytest.raises(KqlEngineError) as raised:
            engine.query(case["query"], now=NOW)
        assert raised.value.kind == case["error"]
        return
    result = engine.query(case["query"], now=NOW)
    if "columns" in case:
        assert [[c.name, c.type] for c in result.columns] == case["columns"]
    rows = [[cell(v) for v in row] for row in result.rows]
    if "rows_count" in case:
        assert len(rows) == case["rows_count"]
        return
    expected = case["rows"]
    if case.get("ordered"):
        assert rows == expected
    else:
        assert sorted(rows, key=_key) == sorted(expected, key=_key)
