"""Coverage: the real Sentinel rules of the reference corpus, on empty tables built from its schemas.

The issue's bar is 97% (a rule the analyzer reports a semantic error for counts as handled). The test fails
below FLOOR, the rate reached so far, so coverage never regresses; it prints the rate against the bar.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import pytest

from kqlrules.engine.corpus import CorpusResult, acceptable, run_corpus_both

# A whole-corpus sweep: the second step of `make test` (see the Makefile).
pytestmark = pytest.mark.sweep

BAR = 0.97
FLOOR = float(os.environ.get("KQLRULES_CORPUS_FLOOR", "0.99"))
# Issue 15 counts only real executions (a rule the analyzer rejects is not one) and sets its bar at 99%; the
# floor is the rate reached so far (1042 of 1055, over kqlrules' bundled schemas). The other 13 the
# analyzer or Kusto itself refuses (rule defects, columns only the data makes) or are forms the reference
# does not document (`datetime(now)`, `max_of()` of NaN); docs/engine-coverage.md lists them.
EXECUTED_BAR = 0.99
EXECUTED_FLOOR = float(os.environ.get("KQLRULES_CORPUS_EXECUTED_FLOOR", "0.987"))
RULES_WITH_QUERIES = 1055


def _library_present() -> bool:
    from kqlrules.engine.functions import SCALARS

    return len(SCALARS) > 50


@pytest.fixture(scope="module")
def corpus_results(shared_dir: Path) -> tuple[list[CorpusResult], list[CorpusResult]]:
    """Every rule on empty tables and on tables holding rows, in one pass (translations are shared)."""
    if not _library_present():
        pytest.skip("the function library is not merged: the rate would measure it, not the engine")
    return run_corpus_both(shared_dir, jobs=2)


def test_corpus_execution_rate(
    corpus_results: tuple[list[CorpusResult], list[CorpusResult]], capsys: pytest.CaptureFixture[str]
) -> None:
    results = corpus_results[0]
    handled = sum(1 for r in results if acceptable(r))
    rate = handled / RULES_WITH_QUERIES
    executed = sum(1 for r in results if r.ok) / RULES_WITH_QUERIES
    failures = Counter(f"{r.kind}: {r.construct}" for r in results if not acceptable(r))
    with capsys.disabled():
        print(
            f"\nlocal engine: {handled}/{RULES_WITH_QUERIES} Sentinel rules handled"
            f" ({rate:.1%}; bar {BAR:.0%}); executed {executed:.1%} (bar {EXECUTED_BAR:.0%})"
        )
        for construct, count in failures.most_common(10):
            print(f"  {count:4d}  {construct}")
    assert rate >= FLOOR
    assert executed >= EXECUTED_FLOOR


# On tables holding rows (kqlrules.engine.corpus_data), refusals that only a row triggers count too. The
# floor is the rate of real executions reached so far; docs/engine-coverage.md reports both measures side
# by side.
DATA_EXECUTED_FLOOR = float(os.environ.get("KQLRULES_CORPUS_DATA_FLOOR", "0.972"))  # 1026 of 1055


def test_corpus_execution_rate_on_data(
    corpus_results: tuple[list[CorpusResult], list[CorpusResult]], capsys: pytest.CaptureFixture[str]
) -> None:
    results = corpus_results[1]
    executed = sum(1 for r in results if r.ok)
    handled = sum(1 for r in results if acceptable(r))
    failures = Counter(f"{r.kind}: {r.construct}" for r in results if not acceptable(r))
    with capsys.disabled():
        print(
            f"\nlocal engine on data: {executed}/{RULES_WITH_QUERIES} Sentinel rules executed,"
            f" {handled} handled"
        )
        for construct, count in failures.most_common(10):
            print(f"  {count:4d}  {construct}")
    assert not [r for r in results if r.kind == "internal"], "an engine bug surfaced on data"
    assert executed / RULES_WITH_QUERIES >= DATA_EXECUTED_FLOOR
