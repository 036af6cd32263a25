"""Fixture rows -> typed tables checked against the schemas; mistakes name the file, case and cell."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import duckdb
import pytest

from kqlrules.testing.cases import TestCase, load_test_file
from kqlrules.testing.errors import FixtureError
from kqlrules.testing.fixtures import FixtureLoader
from tests.testing.conftest import Repo

NOW = datetime(2024, 5, 1, 12, tzinfo=UTC)


def only_case(repo: Repo, text: str) -> TestCase:
    [case] = load_test_file(repo.tests(text)).cases
    return case


def test_inline_rows_are_typed_by_the_schema_and_fill_absent_columns(repo: Repo) -> None:
    case = only_case(
        repo,
        """\
        - name: typed
          now: 2024-05-01T12:00:00Z
          tables:
            SigninLogs:
              - {TimeGenerated: -2h, UserPrincipalName: a@x.com, Attempts: 3, LocationDetails: {city: Oslo}}
          expect: {alerts: 1}
        """,
    )
    table = FixtureLoader(repo.schemas).tables_for(case)["SigninLogs"]
    [record] = table.records()
    assert record["TimeGenerated"] == NOW - timedelta(hours=2)
    assert record["Attempts"] == 3
    assert record["LocationDetails"] == {"city": "Oslo"}
    # Kusto strings are never null; other absent values are.
    assert record["IPAddress"] == "" and record["IsInteractive"] is None


def test_tables_the_query_reads_but_the_case_omits_are_empty_with_their_schema(repo: Repo) -> None:
    case = only_case(repo, "- {name: empty, expect: {alerts: 0}}\n")
    tables = FixtureLoader(repo.schemas).tables_for(case, read=["AuditLogs"])
    assert len(tables["AuditLogs"]) == 0
    assert tables["AuditLogs"].column_names == ["TimeGenerated", "OperationName", "Result", "TargetResources"]


def test_an_unknown_column_names_the_case_and_its_cell(repo: Repo) -> None:
    case = only_case(
        repo,
        """\
        - name: typo
          tables:
            SigninLogs:
              - {UserPrincipalNme: a@x.com}
          expect: {alerts: 1}
        """,
    )
    with pytest.raises(FixtureError) as raised:
        FixtureLoader(repo.schemas).tables_for(case)
    error = raised.value
    assert str(error.location) == "queries/identity/risky.tests.yaml:4:10"
    assert 'case "typo"' in error.message and "SigninLogs has no column UserPrincipalNme" in error.message
    assert error.hint == "did you mean UserPrincipalName?"


def test_a_wrong_type_says_what_the_column_wants(repo: Repo) -> None:
    case = only_case(
        repo,
        """\
        - name: number in a string column
          tables:
            SigninLogs:
              - {ResultType: 0}
          expect: {alerts: 1}
        """,
    )
    with pytest.raises(FixtureError) as raised:
        FixtureLoader(repo.schemas).tables_for(case)
    assert str(raised.value.location) == "queries/identity/risky.tests.yaml:4:22"
    assert "SigninLogs.ResultType is string: expected a string, got a number (0)" in raised.value.message
    assert 'case "number in a string column"' in raised.value.message


def test_a_relative_time_that_does_not_parse_is_reported_at_its_cell(repo: Repo) -> None:
    case = only_case(
        repo,
        "- name: bad time\n  tables:\n    SigninLogs:\n      - {TimeGenerated: -2 hours ago}\n"
        "  expect: {alerts: 1}\n",
    )
    with pytest.raises(FixtureError) as raised:
        FixtureLoader(repo.schemas).tables_for(case)
    assert str(raised.value.location) == "queries/identity/risky.tests.yaml:4:25"
    assert "TimeGenerated is datetime: not a time: '-2 hours ago'" in raised.value.message


def test_a_table_without_a_schema_is_reported_where_the_case_names_it(repo: Repo) -> None:
    case = only_case(repo, "- name: t\n  tables:\n    SiginLogs: []\n  expect: {alerts: 1}\n")
    with pytest.raises(FixtureError) as raised:
        FixtureLoader(repo.schemas).tables_for(case)
    assert str(raised.value.location) == "queries/identity/risky.tests.yaml:3:5"
    assert raised.value.hint == "did you mean SigninLogs?"


def test_jsonl_rows_keep_their_json_types(repo: Repo) -> None:
    repo.write(
        "queries/identity/fixtures/s.jsonl",
        '{"TimeGenerated": "-1h", "Attempts": 2, "IsInteractive": true}\n'
        '\n{"UserPrincipalName": "b@x.com"}\n',
    )
    case = only_case(
        repo,
        "- name: j\n  now: 2024-05-01T12:00:00Z\n  tables: {SigninLogs: fixtures/s.jsonl}\n"
        "  expect: {alerts: 1}\n",
    )
    table = FixtureLoader(repo.schemas).tables_for(case)["SigninLogs"]
    first, second = table.records()
    assert (first["TimeGenerated"], first["Attempts"], first["IsInteractive"]) == (
        NOW - timedelta(hours=1),
        2,
        True,
    )
    assert second["UserPrincipalName"] == "b@x.com"


def test_a_malformed_jsonl_line_is_reported_at_its_line_and_column(repo: Repo) -> None:
    repo.write("queries/identity/fixtures/s.jsonl", '{"Attempts": 1}\n{"Attempts": 2,,}\n')
    case = only_case(
        repo, "- name: broken\n  tables: {SigninLogs: fixtures/s.jsonl}\n  expect: {alerts: 1}\n"
    )
    with pytest.raises(FixtureError) as raised:
        FixtureLoader(repo.schemas).tables_for(case)
    assert str(raised.value.location) == "queries/identity/fixtures/s.jsonl:2:16"
    assert 'case "broken"' in raised.value.message and "malformed JSON" in raised.value.message


def test_a_wrong_type_in_a_jsonl_file_names_the_file_line_and_case(repo: Repo) -> None:
    repo.write("queries/identity/fixtures/s.jsonl", '{"Attempts": "many"}\n')
    case = only_case(repo, "- name: j\n  tables: {SigninLogs: fixtures/s.jsonl}\n  expect: {alerts: 1}\n")
    with pytest.raises(FixtureError) as raised:
        FixtureLoader(repo.schemas).tables_for(case)
    assert str(raised.value.location) == "queries/identity/fixtures/s.jsonl:1:1"
    assert 'case "j"' in raised.value.message and "Attempts is long" in raised.value.message


def test_csv_cells_are_read_as_their_columns_type(repo: Repo) -> None:
    repo.write(
        "queries/identity/fixtures/s.csv",
        "TimeGenerated,Attempts,IsInteractive,LocationDetails,ResultType\n"
        '-30m,4,true,"{""city"": ""Oslo""}",0\n',
    )
    case = only_case(
        repo,
        "- name: c\n  now: 2024-05-01T12:00:00Z\n  tables: {SigninLogs: fixtures/s.csv}\n"
        "  expect: {alerts: 1}\n",
    )
    [record] = FixtureLoader(repo.schemas).tables_for(case)["SigninLogs"].records()
    assert record["TimeGenerated"] == NOW - timedelta(minutes=30)
    assert (record["Attempts"], record["IsInteractive"], record["ResultType"]) == (4, True, "0")
    assert record["LocationDetails"] == {"city": "Oslo"}


def test_an_unknown_csv_column_is_reported_at_its_header_cell(repo: Repo) -> None:
    repo.write("queries/identity/fixtures/s.csv", "Attempts,Colour\n1,red\n")
    case = only_case(repo, "- name: c\n  tables: {SigninLogs: fixtures/s.csv}\n  expect: {alerts: 1}\n")
    with pytest.raises(FixtureError) as raised:
        FixtureLoader(repo.schemas).tables_for(case)
    assert str(raised.value.location) == "queries/identity/fixtures/s.csv:1:10"


def test_a_ragged_csv_row_is_malformed(repo: Repo) -> None:
    repo.write("queries/identity/fixtures/s.csv", "Attempts,ResultType\n1,0\n2\n")
    case = only_case(repo, "- name: c\n  tables: {SigninLogs: fixtures/s.csv}\n  expect: {alerts: 1}\n")
    with pytest.raises(FixtureError, match="row has 1 cells but the header names 2") as raised:
        FixtureLoader(repo.schemas).tables_for(case)
    assert str(raised.value.location) == "queries/identity/fixtures/s.csv:3:1"


def test_parquet_rows_are_read(repo: Repo) -> None:
    path = repo.root / "queries/identity/fixtures/s.parquet"
    path.parent.mkdir(parents=True)
    with duckdb.connect() as connection:
        connection.execute(
            "COPY (SELECT TIMESTAMPTZ '2024-05-01 11:00:00+00' AS TimeGenerated, 7::BIGINT AS Attempts,"
            " 'c@x.com' AS UserPrincipalName) TO ? (FORMAT parquet)",
            [str(path)],
        )
    case = only_case(repo, "- name: p\n  tables: {SigninLogs: fixtures/s.parquet}\n  expect: {alerts: 1}\n")
    [record] = FixtureLoader(repo.schemas).tables_for(case)["SigninLogs"].records()
    assert (record["TimeGenerated"], record["Attempts"]) == (NOW - timedelta(hours=1), 7)


def test_a_file_that_is_not_parquet_is_malformed(repo: Repo) -> None:
    repo.write("queries/identity/fixtures/s.parquet", "not parquet at all")
    case = only_case(repo, "- name: p\n  tables: {SigninLogs: fixtures/s.parquet}\n  expect: {alerts: 1}\n")
    with pytest.raises(FixtureError, match=r'case "p".*malformed Parquet') as raised:
        FixtureLoader(repo.schemas).tables_for(case)
    assert str(raised.value.location) == "queries/identity/fixtures/s.parquet"


def test_a_fixture_that_is_not_utf8_is_reported_at_its_line_and_column(repo: Repo) -> None:
    path = repo.write("queries/identity/fixtures/s.jsonl", "")
    path.write_bytes(b'{"Attempts": 1}\n{"UserPrincipalName": "\xe9"}\n')
    case = only_case(repo, "- name: j\n  tables: {SigninLogs: fixtures/s.jsonl}\n  expect: {alerts: 1}\n")
    with pytest.raises(FixtureError) as raised:
        FixtureLoader(repo.schemas).tables_for(case)
    assert str(raised.value.location) == "queries/identity/fixtures/s.jsonl:2:24"
    assert "not UTF-8" in raised.value.message


@pytest.mark.parametrize(
    ("name", "text"),
    [("s.jsonl", '{"Attempts": 9223372036854775808}\n'), ("s.csv", "Attempts\n-9223372036854775809\n")],
)
def test_a_fixture_number_beyond_a_long_is_refused_at_its_line(repo: Repo, name: str, text: str) -> None:
    repo.write(f"queries/identity/fixtures/{name}", text)
    case = only_case(repo, f"- name: j\n  tables: {{SigninLogs: fixtures/{name}}}\n  expect: {{alerts: 1}}\n")
    with pytest.raises(FixtureError) as raised:
        FixtureLoader(repo.schemas).tables_for(case)
    assert str(raised.value.location).startswith(f"queries/identity/fixtures/{name}:")
    assert "outside the range of a long" in raised.value.message
