"""welch_test(): the two-tailed p-value of Welch's t-test, on the reference's example."""

from __future__ import annotations

import pytest

from kqlrules.engine import LocalEngine, UnsupportedKql

REFERENCE_EXAMPLE = """print
    s1 = dynamic([27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4]),
    s2 = dynamic([27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4])
| mv-expand s1 to typeof(double), s2 to typeof(double)
| summarize m1=avg(s1), v1=variance(s1), c1=count(), m2=avg(s2), v2=variance(s2), c2=count()
| extend pValue=welch_test(m1,v1,c1,m2,v2,c2)
| project pValue"""


@pytest.fixture(scope="module")
def engine() -> LocalEngine:
    return LocalEngine()


def test_the_reference_example_gives_its_p_value(engine: LocalEngine) -> None:
    (p_value,) = engine.query(REFERENCE_EXAMPLE).rows[0]
    assert p_value == pytest.approx(0.021, abs=5e-4)  # the reference prints 0.021


def test_equal_means_give_a_p_value_of_one(engine: LocalEngine) -> None:
    assert engine.query("print welch_test(5.0, 2.0, 10, 5.0, 3.0, 12)").rows == [[pytest.approx(1.0)]]


def test_a_sample_without_spread_is_refused(engine: LocalEngine) -> None:
    with pytest.raises(UnsupportedKql):
        engine.query("print welch_test(1.0, 0.0, 3, 2.0, 1.0, 3)")
