"""Reading `.tests.yaml` files: the format, and mistakes reported at their line and column."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kqlrules.testing.cases import FixtureFile, InlineRows, load_test_file
from kqlrules.testing.errors import TestFileError
from tests.testing.conftest import Repo


def test_a_case_keeps_its_name_now_params_tables_and_expectation(repo: Repo) -> None:
    path = repo.tests(
        """\
        - name: fires
          now: 2024-05-01T12:00:00Z
          params: {levels: [high, medium]}
          tables:
            SigninLogs:
              - {TimeGenerated: -10m, UserPrincipalName: a@contoso.com}
          expect:
            alerts: 1
        """
    )
    [case] = load_test_file(path).cases
    assert case.name == "fires"
    assert case.now == datetime(2024, 5, 1, 12, tzinfo=UTC)
    assert case.params == {"levels": ["high", "medium"]}
    rows = case.tables["SigninLogs"]
    assert isinstance(rows, InlineRows)
    assert rows.rows[0].values == {"TimeGenerated": "-10m", "UserPrincipalName": "a@contoso.com"}
    assert str(rows.rows[0].cell("UserPrincipalName")) == "queries/identity/risky.tests.yaml:6:50"
    assert case.expect.alerts == 1 and case.expect.expects_alerts


def test_a_fixture_file_is_found_beside_the_test_file(repo: Repo) -> None:
    fixture = repo.write("queries/identity/fixtures/risky.jsonl", "{}\n")
    path = repo.tests(
        """\
        - name: from a file
          tables: {SigninLogs: fixtures/risky.jsonl}
          expect: {no_alerts: true}
        """
    )
    [case] = load_test_file(path).cases
    assert case.tables["SigninLogs"] == FixtureFile(fixture.resolve(), case.tables["SigninLogs"].location)
    assert case.expect.expects_silence


def test_a_fixture_file_given_as_file_mapping_is_located_at_its_path(repo: Repo) -> None:
    repo.write("queries/identity/fixtures/risky.jsonl", "{}\n")
    path = repo.tests(
        """\
        - name: from a file
          tables:
            SigninLogs: {file: fixtures/risky.jsonl}
          expect: {no_alerts: true}
        """
    )
    [case] = load_test_file(path).cases
    given = case.tables["SigninLogs"]
    assert isinstance(given, FixtureFile)
    assert str(given.location) == "queries/identity/risky.tests.yaml:3:24"


def test_without_now_a_case_runs_at_the_given_default(repo: Repo) -> None:
    default = datetime(2030, 1, 1, tzinfo=UTC)
    path = repo.tests("- {name: x, expect: {alerts: 0}}\n")
    [case] = load_test_file(path, default_now=default).cases
    assert case.now == default and not case.now_pinned


@pytest.mark.parametrize(
    ("text", "message", "where"),
    [
        ("- name: a\n  expect: {alerts: 1}\n  tabels: {}\n", 'case "a": unknown key `tabels`', ":3:3"),
        ("- name: a\n  tables: {}\n", 'case "a" has no `expect`', ":1:3"),
        ("- name: a\n  expect: {alert: 1}\n", 'case "a": expect: unknown key `alert`', ":2:12"),
        ("- name: a\n  expect: {alerts: -1}\n", "`alerts` must be a whole number", ":2:20"),
        ("- name: a\n  now: tomorrow\n  expect: {alerts: 1}\n", "`now` not a time", ":2:8"),
        ("- name: a\n  expect: {alerts: 1}\n- name: a\n  expect: {alerts: 0}\n", "defined twice", ":3:3"),
        ("- name: a\n  expect: [\n", "invalid YAML", ":3:1"),
        ("name: a\n", "a test file holds a list of cases", ":1:1"),
        (
            "- name: a\n  tables: {SigninLogs: fixtures/none.jsonl}\n  expect: {alerts: 1}\n",
            "fixture file 'fixtures/none.jsonl' does not exist",
            ":2:24",
        ),
        (
            "- name: a\n  tables: {SigninLogs: rows.txt}\n  expect: {alerts: 1}\n",
            "must be a .jsonl, .csv or .parquet file",
            ":2:24",
        ),
    ],
)
def test_mistakes_are_reported_at_their_place(repo: Repo, text: str, message: str, where: str) -> None:
    path = repo.tests(text)
    with pytest.raises(TestFileError) as raised:
        load_test_file(path)
    assert message in raised.value.message
    assert str(raised.value.location) == "queries/identity/risky.tests.yaml" + where


def test_columns_may_name_types(repo: Repo) -> None:
    path = repo.tests(
        "- name: a\n  expect:\n    columns: [UserPrincipalName, 'SignIns: long', {IP: string}]\n"
    )
    [case] = load_test_file(path).cases
    columns = case.expect.columns or []
    assert [(c.name, c.type) for c in columns] == [
        ("UserPrincipalName", None),
        ("SignIns", "long"),
        ("IP", "string"),
    ]


def test_relative_now_is_not_allowed(repo: Repo) -> None:
    path = repo.tests("- name: a\n  now: -2h\n  expect: {alerts: 1}\n")
    with pytest.raises(TestFileError, match="relative"):
        load_test_file(path)
    assert timedelta  # imported for readers of the parametrized cases above
