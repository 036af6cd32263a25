"""A value the engine cannot compute right, seen only once the data is read, ends the query as UnsupportedKql
(the kind `kqlrules query --jsonl` reports as `unsupported`), never as a wrong answer or a runtime error."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kqlrules.engine import LocalEngine, UnsupportedKql
from kqlrules.timespan import ticks


@pytest.fixture(scope="module")
def engine() -> LocalEngine:
    return LocalEngine()


def test_round_of_an_ambiguous_halfway_value_is_refused(engine: LocalEngine) -> None:
    with pytest.raises(UnsupportedKql, match=r"round\(\) of a value exactly halfway"):
        engine.query("print round(2.5)")


def test_round_of_a_value_off_halfway_answers(engine: LocalEngine) -> None:
    assert engine.query("print round(2.4)").rows == [[2.0]]


def test_a_string_row_whose_number_text_is_not_canonical_is_refused(engine: LocalEngine) -> None:
    query = "datatable(s: string)['007'] | where s == 7"
    with pytest.raises(UnsupportedKql, match="comparing 007 with a"):
        engine.query(query)


def test_the_refusal_is_reported_with_the_unsupported_kind(engine: LocalEngine) -> None:
    with pytest.raises(UnsupportedKql) as refused:
        engine.query("print round(-0.5)")
    assert refused.value.kind == "unsupported"


def test_make_datetime_of_a_second_finer_than_a_tick_is_refused(engine: LocalEngine) -> None:
    with pytest.raises(UnsupportedKql, match="finer than a 100-ns tick"):
        engine.query("print make_datetime(2017, 10, 1, 12, 10, 0.12345678)")


def test_make_datetime_of_whole_microseconds_answers(engine: LocalEngine) -> None:
    (value,) = engine.query("print make_datetime(2017, 10, 1, 12, 10, 0.123456)").rows[0]
    assert value.microsecond == 123456


def test_a_result_timespan_finer_than_a_microsecond_keeps_its_tick(engine: LocalEngine) -> None:
    # scalar-data-types/timespan.md: a timespan counts 100-ns ticks; `1tick` is one of them, not zero.
    (value,) = engine.query("print 1tick").rows[0]
    assert ticks(value) == 1
    assert value != timedelta(0)


def test_a_result_timespan_of_whole_microseconds_answers(engine: LocalEngine) -> None:
    (value,) = engine.query("print 10tick + 1ms").rows[0]
    assert value.total_seconds() == 0.001001
