"""Binary operators follow Kusto's typing, null and term rules."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

import pytest

from kqlrules.engine.functions import SqlList
from kqlrules.engine.sql import Sql
from tests.engine.functions.harness import Unsupported, lit


def items(*values: Any) -> SqlList:
    return SqlList("", "list", items=tuple(v if isinstance(v, Sql) else lit(v) for v in values))


@pytest.mark.parametrize(
    ("kind", "left", "right", "expected"),
    [
        ("AddExpression", 1, 2, 3),
        ("DivideExpression", 7, 2, 3),
        ("DivideExpression", -7, 2, -3),
        ("DivideExpression", 1.0, 2, 0.5),
        ("DivideExpression", 1.0, 0, math.inf),
        ("ModuloExpression", -14, 12, 10),
        ("ModuloExpression", 14, -12, 2),
        ("ModuloExpression", -14, -12, 10),
        ("MultiplyExpression", 2, 2.5, 5.0),
        ("SubtractExpression", datetime(2020, 1, 2), datetime(2020, 1, 1), timedelta(days=1)),
        ("AddExpression", datetime(2020, 1, 1), timedelta(hours=1), datetime(2020, 1, 1, 1)),
        ("SubtractExpression", datetime(2020, 1, 1), timedelta(days=1), datetime(2019, 12, 31)),
        ("DivideExpression", timedelta(hours=1), timedelta(minutes=30), 2.0),
        ("MultiplyExpression", timedelta(minutes=1), 5, timedelta(minutes=5)),
        ("MultiplyExpression", 1546897531, timedelta(seconds=1), timedelta(seconds=1546897531)),
        ("EqualExpression", "a", "a", True),
        ("EqualExpression", "a", "A", False),
        ("EqualExpression", lit(5, "int"), lit(None, "int"), False),
        ("EqualExpression", lit(None, "int"), lit(None, "int"), None),
        ("NotEqualExpression", lit(5, "int"), lit(None, "int"), True),
        ("NotEqualExpression", lit(None, "int"), lit(None, "int"), None),
        ("EqualTildeExpression", "abc", "ABC", True),
        ("BangTildeExpression", "aBc", "xyz", True),
        ("LessThanExpression", 1, 2.5, True),
        ("GreaterThanExpression", timedelta(hours=1), timedelta(minutes=1), True),
        ("AndExpression", lit(None, "bool"), True, None),
        ("OrExpression", lit(None, "bool"), True, True),
        ("EqualExpression", lit({"a": "x"}["a"], "dynamic"), "x", True),
        ("EqualExpression", lit(1, "dynamic"), 1, True),
    ],
)
def test_operator(binary: Any, kind: str, left: Any, right: Any, expected: Any) -> None:
    assert binary(kind, left, right) == expected


def test_integer_division_by_zero_is_an_error(binary: Any) -> None:
    with pytest.raises(Exception, match=r"[Dd]ivision by zero"):
        binary("DivideExpression", 1, 0)


def test_adding_a_string_to_a_number_is_unsupported(binary: Any) -> None:
    with pytest.raises(Unsupported):
        binary("AddExpression", "a", 1)


@pytest.mark.parametrize(
    ("kind", "left", "right", "expected"),
    [
        ("ContainsExpression", "FabriKam", "BRik", True),
        ("ContainsCsExpression", "FabriKam", "BRik", False),
        ("NotContainsExpression", "Fabrikam", "xyz", True),
        ("StartsWithExpression", "Fabrikam", "fab", True),
        ("StartsWithCsExpression", "Fabrikam", "fab", False),
        ("EndsWithExpression", "Fabrikam", "KAM", True),
        ("NotEndsWithCsExpression", "Fabrikam", "KAM", True),
        ("HasExpression", "North America", "america", True),
        ("HasExpression", "North America", "meri", False),
        ("HasExpression", "Kusto: ad67d136-c1db-4f9f", "c1db", True),
        ("HasExpression", "Kusto: ad67d136-c1db-4f9f", "ad67d136-c1db", True),
        ("HasExpression", "Kusto: ad67d136-c1db-4f9f", "d136-c1db", False),
        ("HasCsExpression", "North America", "america", False),
        ("NotHasExpression", "North America", "amer", True),
        ("HasPrefixExpression", "North America", "ame", True),
        ("HasPrefixExpression", "North America", "mer", False),
        ("HasSuffixExpression", "North America", "ica", True),
        ("HasSuffixExpression", "North America", "Amer", False),
        ("NotHasSuffixCsExpression", "North America", "ICA", True),
        ("MatchesRegexExpression", "Kansas", "K.*s", True),
        ("HasExpression", lit("a.b", "string"), Sql("'a' || ''", "string"), True),
    ],
)
def test_string_operator(binary: Any, kind: str, left: Any, right: Any, expected: bool) -> None:
    assert binary(kind, left, right) == expected


@pytest.mark.parametrize(
    ("kind", "left", "right", "expected"),
    [
        ("InExpression", "b", items("a", "b"), True),
        ("InExpression", "B", items("a", "b"), False),
        ("InCsExpression", "B", items("a", "b"), True),
        ("NotInExpression", "c", items("a", "b"), True),
        ("NotInCsExpression", "A", items("a", "b"), False),
        ("InExpression", 2, items(1, 2), True),
        ("InExpression", 2, items(lit([1, 2], "dynamic")), True),
        ("InExpression", "x", items(lit(["x", "y"], "dynamic")), True),
        ("InExpression", "x", items(Sql('CAST(\'["y", "x"]\' AS JSON)', "dynamic")), True),
        ("InExpression", lit(None, "long"), items(1, 2), False),
        ("HasAnyExpression", "North America", items("Amer", "america"), True),
        ("HasAnyExpression", "North America", items(lit(["south", "north"], "dynamic")), True),
        ("HasAllExpression", "North America", items("north", "america"), True),
        ("HasAllExpression", "North America", items("north", "south"), False),
        ("BetweenExpression", 5, items(1, 10), True),
        ("NotBetweenExpression", 5, items(1, 10), False),
        ("BetweenExpression", 10.5, items(1, 10), False),
        ("BetweenExpression", datetime(2020, 1, 1, 5), items(datetime(2020, 1, 1), timedelta(hours=6)), True),
    ],
)
def test_list_operator(binary: Any, kind: str, left: Any, right: Any, expected: bool) -> None:
    assert binary(kind, left, right) == expected


def core_list(*values: Any, constant: bool = True) -> Sql:
    """The core's shape: a DuckDB LIST, typed by its elements, with the item Sqls when all are literals."""
    parts = [v if isinstance(v, Sql) else lit(v) for v in values]
    text = "[" + ", ".join(p.text for p in parts) + "]"
    return Sql(text, parts[0].type, constant, parts if constant else None)


@pytest.mark.parametrize(
    ("kind", "left", "right", "expected"),
    [
        ("InExpression", "b", core_list("a", "b"), True),
        ("InExpression", "b", core_list("a", "b", constant=False), True),
        ("InCsExpression", "B", core_list("a", "b", constant=False), True),
        ("NotInExpression", 3, core_list(1, 2, constant=False), True),
        ("HasAnyExpression", "North America", core_list("south", "north", constant=False), True),
        ("HasAllExpression", "North America", core_list("south", "north", constant=False), False),
        ("BetweenExpression", 5, core_list(1, 10), True),
    ],
)
def test_list_operator_on_the_core_list_shape(
    binary: Any, kind: str, left: Any, right: Any, expected: bool
) -> None:
    assert binary(kind, left, right) == expected


@pytest.mark.parametrize(
    ("kind", "left", "right", "expected"),
    [
        ("EqualExpression", Sql("'0'", "string"), 0, True),
        ("EqualExpression", Sql("'50126'", "string"), 0, False),
        ("EqualExpression", Sql("'AADSTS'", "string"), 0, False),
        ("NotEqualExpression", Sql("'50126'", "string"), 0, True),
        ("EqualExpression", lit(4688, "int"), "4688", True),
        ("EqualExpression", lit(False, "bool"), "false", True),
        ("NotEqualExpression", lit(1, "long"), "abc", True),
    ],
)
def test_equality_between_strings_and_numbers(
    binary: Any, kind: str, left: Any, right: Any, expected: bool
) -> None:
    assert binary(kind, left, right) == expected


def test_a_non_canonical_constant_spelling_is_refused(binary: Any) -> None:
    with pytest.raises(Unsupported):
        binary("EqualExpression", lit(False, "bool"), "False")


def test_a_non_canonical_row_stops_the_query(binary: Any) -> None:
    with pytest.raises(Exception, match="ambiguous"):
        binary("EqualExpression", Sql("'007'", "string"), 7)


def test_numbers_in_a_list_of_numeric_strings(binary: Any) -> None:
    assert binary("InExpression", lit(4688, "int"), items("4624", "4688")) is True


def test_numbers_in_a_list_with_a_non_canonical_string_are_refused(binary: Any) -> None:
    with pytest.raises(Unsupported):
        binary("InExpression", lit(4688, "int"), items("04688"))
