"""Mutants from the typed tree, and the mutation run that reports the ones no case kills."""

from __future__ import annotations

from pathlib import Path

from kqlrules.kusto import SchemaSet, shared_analyzer
from kqlrules.rules import load_repository
from kqlrules.testing.collect import collect
from kqlrules.testing.local_backend import LocalBackend
from kqlrules.testing.mutants import mutants
from kqlrules.testing.mutation import run_mutants
from kqlrules.testing.runner import TestSession
from tests.testing.conftest import Repo


def mutated_texts(query: str) -> dict[str, set[str]]:
    schemas = SchemaSet()
    schemas.add_table("T", [("A", "string"), ("N", "long")])
    tree = shared_analyzer().analyze(query, schemas, tree=True).tree
    assert tree is not None
    found: dict[str, set[str]] = {}
    for mutant in mutants(query, tree):
        found.setdefault(mutant.kind, set()).add(mutant.apply(query))
    return found


def test_comparisons_flip() -> None:
    found = mutated_texts('T | where A =~ "x" and N >= 3')
    assert found["flip"] == {'T | where A !~ "x" and N >= 3', 'T | where A =~ "x" and N < 3'}


def test_each_where_can_be_dropped_including_one_that_starts_a_subquery() -> None:
    found = mutated_texts('T | where N > 1 | join (T | where A == "x" | project A) on A')
    assert found["drop-where"] == {
        'T | join (T | where A == "x" | project A) on A',
        "T | where N > 1 | join (T | project A) on A",
    }


def test_thresholds_shift_by_one_both_ways() -> None:
    assert mutated_texts("T | where N > 10")["threshold"] == {"T | where N > 9", "T | where N > 11"}


def test_has_widens_to_contains() -> None:
    assert mutated_texts('T | where A has "x"')["widen"] == {'T | where A contains "x"'}


def test_each_term_can_leave_an_in_list_written_or_rendered_as_dynamic() -> None:
    assert mutated_texts('T | where A in ("a", "b", "c")')["in-term"] == {
        'T | where A in ("b", "c")',
        'T | where A in ("a", "c")',
        'T | where A in ("a", "b")',
    }
    assert mutated_texts('T | where A in~ (dynamic(["a", "b"]))')["in-term"] == {
        'T | where A in~ (dynamic(["b"]))',
        'T | where A in~ (dynamic(["a"]))',
    }


def test_positions_count_characters_beyond_ascii() -> None:
    assert mutated_texts('T | where A == "ö😀" and N > 1')["threshold"] == {
        'T | where A == "ö😀" and N > 0',
        'T | where A == "ö😀" and N > 2',
    }


def test_a_mutant_no_case_kills_survives_with_its_template_place(repo: Repo) -> None:
    repo.detection()
    repo.tests(
        """\
        - name: fires
          now: 2024-05-01T12:00:00Z
          tables:
            SigninLogs: [{TimeGenerated: -5m, ResultType: "0", RiskLevelDuringSignIn: high}]
          expect: {alerts: 1}
        - name: quiet on failure
          now: 2024-05-01T12:00:00Z
          tables:
            SigninLogs: [{TimeGenerated: -5m, ResultType: "1", RiskLevelDuringSignIn: high}]
          expect: {no_alerts: true}
        """
    )
    [item] = collect(load_repository(Path(repo.root)).detections)
    session = TestSession(repo.schemas, LocalBackend(repo.schemas))
    results = run_mutants(session, item)
    survivors = {(str(r.location), r.mutant.description) for r in results if r.status == "survived"}
    assert survivors == {
        ("queries/identity/risky.kql:2:3", "drop `where TimeGenerated > ago(1h)`"),
        ("queries/identity/risky.kql:4:3", 'drop `where RiskLevelDuringSignIn in~ (dynamic(["high"]))`'),
    }
    killed = [r for r in results if r.status == "killed"]
    assert killed and all(r.killed_by in ("fires", "quiet on failure") for r in killed)
