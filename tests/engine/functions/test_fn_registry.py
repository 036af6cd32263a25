"""Every registered translator answers any typed arguments with SQL or a clean refusal, never a crash."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

import pytest

from kqlrules.engine.functions import AGGREGATES, BINARY_OPERATORS, SCALARS, Call
from kqlrules.engine.sql import Sql
from tests.engine.functions.harness import Context, KustoError, Unsupported, lit

SAMPLES = [
    lit("a,b"),
    lit(3),
    lit(-2.5),
    lit(True),
    lit(datetime(2020, 1, 1)),
    lit(timedelta(hours=1)),
    lit([1, "x"], "dynamic"),
    lit(None, "long"),
    Sql("c", "string"),
]


@pytest.mark.parametrize("name", sorted(SCALARS))
def test_scalar_translates_or_refuses(name: str) -> None:
    for count in range(3):
        for args in itertools.product(SAMPLES, repeat=count):
            try:
                result = SCALARS[name](Context(), Call(name, list(args), "unknown"))
            except (Unsupported, KustoError):
                continue
            assert isinstance(result, Sql) and result.text


@pytest.mark.parametrize("name", sorted(AGGREGATES))
def test_aggregate_translates_or_refuses(name: str) -> None:
    for count in range(3):
        for args in itertools.product(SAMPLES, repeat=count):
            try:
                result = AGGREGATES[name](Context(), Call(name, list(args), "unknown"))
            except (Unsupported, KustoError):
                continue
            assert isinstance(result, Sql) and result.text


@pytest.mark.parametrize("kind", sorted(BINARY_OPERATORS))
def test_operator_translates_or_refuses(kind: str) -> None:
    for left, right in itertools.product(SAMPLES, repeat=2):
        try:
            result = BINARY_OPERATORS[kind](Context(), left, right, kind)
        except (Unsupported, KustoError):
            continue
        assert isinstance(result, Sql) and result.type
