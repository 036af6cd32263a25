"""Checking a result against `expect`: alerts after the trigger, rows, columns, and readable diffs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kqlrules.rules.model import Trigger
from kqlrules.table import Column, Table
from kqlrules.testing.cases import TestCase, load_test_file
from kqlrules.testing.expectations import alert_count, check, values_equal
from tests.testing.conftest import Repo

RESULT = Table(
    [
        Column("User", "string"),
        Column("SignIns", "long"),
        Column("Last", "datetime"),
        Column("Apps", "dynamic"),
    ],
    [
        ["a@x.com", 3, datetime(2024, 5, 1, 11, tzinfo=UTC), ["Teams", "Outlook"]],
        ["b@x.com", 1, datetime(2024, 5, 1, 10, tzinfo=UTC), ["Teams"]],
    ],
)
GT0 = Trigger(operator="gt", threshold=0)


def case_expecting(repo: Repo, expect: str) -> TestCase:
    [case] = load_test_file(repo.tests(f"- name: c\n  now: 2024-05-01T12:00:00Z\n  expect:\n{expect}")).cases
    return case


def test_alerts_count_rows_only_when_the_trigger_fires() -> None:
    assert alert_count(RESULT, GT0) == 2
    assert alert_count(RESULT, Trigger(operator="gt", threshold=2)) == 0


def test_a_matching_result_passes(repo: Repo) -> None:
    case = case_expecting(
        repo,
        "    alerts: 2\n    rows:\n      - {User: a@x.com, SignIns: 3, Last: -1h, Apps: [Outlook, Teams]}\n"
        "    columns: [User, 'SignIns: long', Last, Apps]\n",
    )
    assert check(case.expect, RESULT, GT0, case) == []


def test_a_wrong_alert_count_says_what_the_trigger_made_of_the_rows(repo: Repo) -> None:
    case = case_expecting(repo, "    alerts: 1\n")
    [failure] = check(case.expect, RESULT, GT0, case)
    assert failure.message == "expected 1 alert(s), got 2 (2 row(s), trigger gt 0)"
    assert '+ {User: "a@x.com", SignIns: 3' in failure.diff


def test_no_alerts_fails_when_the_trigger_fires(repo: Repo) -> None:
    case = case_expecting(repo, "    no_alerts: true\n")
    [failure] = check(case.expect, RESULT, GT0, case)
    assert failure.message.startswith("expected no alerts, got 2")


def test_a_missing_row_is_shown_as_a_diff_against_the_actual_rows(repo: Repo) -> None:
    case = case_expecting(repo, "    rows:\n      - {User: a@x.com, SignIns: 4}\n")
    [failure] = check(case.expect, RESULT, GT0, case)
    assert str(failure.location) == "queries/identity/risky.tests.yaml:5:9"
    assert failure.diff.splitlines() == [
        '  - {User: "a@x.com", SignIns: 4}',
        '  + {User: "a@x.com", SignIns: 3}',
        '  + {User: "b@x.com", SignIns: 1}',
    ]


def test_an_expected_column_the_result_lacks_is_named(repo: Repo) -> None:
    case = case_expecting(repo, "    rows:\n      - {Usr: a@x.com}\n")
    [failure] = check(case.expect, RESULT, GT0, case)
    assert failure.message.startswith("the result has no column Usr")


def test_output_columns_are_compared_in_order(repo: Repo) -> None:
    case = case_expecting(repo, "    columns: [SignIns, User, Last, Apps]\n")
    [failure] = check(case.expect, RESULT, GT0, case)
    assert failure.message == "output columns differ"


def test_lists_compare_as_multisets_and_json_text_matches_dynamic_values() -> None:
    assert values_equal(["b", "a"], ["a", "b"])
    assert not values_equal(["a", "a"], ["a", "b"])
    assert values_equal('{"k": 1}', {"k": 1})
    assert values_equal(["b", "a"], '["a","b"]')
    assert values_equal(0.1 + 0.2, 0.3)
    assert not values_equal(True, 1)
    assert values_equal(timedelta(minutes=5), timedelta(seconds=300))
