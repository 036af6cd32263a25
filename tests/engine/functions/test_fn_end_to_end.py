"""The function library through the whole engine: KQL text in, a Table out."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

engine_module = pytest.importorskip("kqlrules.engine")
if not hasattr(engine_module, "LocalEngine"):
    pytest.skip("the local engine core is not on this branch yet", allow_module_level=True)

from kqlrules.engine import LocalEngine, UnsupportedKql  # noqa: E402
from kqlrules.table import Column, Table  # noqa: E402

NOW = datetime(2024, 1, 3, tzinfo=UTC)


@pytest.fixture(scope="module")
def engine() -> Any:
    events = Table(
        [Column("Account", "string"), Column("EventID", "int"), Column("CommandLine", "string")],
        [
            ["CONTOSO\\alice", 4688, "cmd.exe /c whoami"],
            ["CONTOSO\\bob", 4624, ""],
            ["contoso\\Alice", 4688, "powershell -enc AAAA"],
        ],
    )
    local = LocalEngine({"Events": events})
    yield local
    close = getattr(local, "close", None)
    if close is not None:
        close()


def value(engine: Any, expression: str) -> Any:
    result = engine.query(f"print x = {expression}", now=NOW)
    return result.rows[0][0]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("strcat('a', 'b', 1)", "ab1"),
        ("tostring(datetime(2018-07-01))", "2018-07-01T00:00:00.0000000Z"),
        ("tostring(1d + 2h)", "1.02:00:00"),
        ("-14 % 12", 10),
        ("7 / 2", 3),
        ("'North America' has 'america'", True),
        ("'North America' has 'meri'", False),
        ("'b' in~ ('A', 'B')", True),
        ("bin(datetime(2018-07-05), 7d)", datetime(2018, 7, 2, tzinfo=UTC)),
        ("extract('([0-9]+)', 1, 'id=42')", "42"),
        ("array_length(split('a,b,c', ','))", 3),
        ("iff(isempty(''), 'empty', 'full')", "empty"),
        ("datetime_diff('day', datetime(2017-10-29), datetime(2017-09-30 23:59))", 29),
        ("format_datetime(datetime(2015-12-14 02:03:04), 'yyyy-MM-dd HH:mm')", "2015-12-14 02:03"),
        ("ago(1d)", datetime(2024, 1, 2, tzinfo=UTC)),
        ("parse_json('{\"a\": [1, 2]}').a[1]", 2),
    ],
)
def test_expression(engine: Any, expression: str, expected: Any) -> None:
    assert value(engine, expression) == expected


def test_has_any_filters_on_terms(engine: Any) -> None:
    result = engine.query("Events | where CommandLine has_any ('whoami', 'enc') | count")
    assert result.rows == [[2]]


def test_in_tilde_ignores_case(engine: Any) -> None:
    result = engine.query(r"Events | where Account in~ ('contoso\\alice') | count")
    assert result.rows == [[2]]


def test_summarize_with_library_aggregates(engine: Any) -> None:
    result = engine.query(
        "Events | summarize n = count(), users = dcount(tolower(Account)), ids = make_set(EventID)"
    )
    n, users, ids = result.rows[0]
    assert (n, users, sorted(ids)) == (3, 2, [4624, 4688])


def test_a_refused_function_is_reported_as_unsupported(engine: Any) -> None:
    with pytest.raises(UnsupportedKql):
        engine.query("print x = datetime(1600-01-01)")
