"""`watchlists/<alias>.csv`: read strictly, served by `_GetWatchlist` to the analyzer, the local engine,
`kqlrules test` and a local workspace (the runner's)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kqlrules.cli.main import app
from kqlrules.engine import LocalEngine
from kqlrules.kusto import resolve_schemas, shared_analyzer
from kqlrules.table import Column, Table
from kqlrules.watchlists import WatchlistError, load_watchlists, parse_watchlist
from kqlrules.workspace import LocalWorkspace
from tests.testing.conftest import Repo

ADMINS = (
    "UserPrincipalName,ObjectId\nbg1@contoso.com,11111111-1111-4111-8111-111111111111\nbg2@contoso.com,22\n"
)


def write(root: Path, name: str, text: str) -> Path:
    path = root / "watchlists" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_a_csv_becomes_a_watchlist_keyed_by_its_first_column(tmp_path: Path) -> None:
    write(tmp_path, "admins.csv", ADMINS)
    watchlist = load_watchlists(tmp_path)["admins"]
    assert watchlist.columns == ("UserPrincipalName", "ObjectId")
    assert watchlist.search_key == "UserPrincipalName"
    assert watchlist.items()[1] == {"UserPrincipalName": "bg2@contoso.com", "ObjectId": "22"}


def test_the_yaml_beside_it_names_another_search_key_and_the_display_name(tmp_path: Path) -> None:
    write(tmp_path, "admins.csv", ADMINS)
    write(tmp_path, "admins.yaml", "search_key: ObjectId\ndisplay_name: Admins\n")
    watchlist = load_watchlists(tmp_path)["admins"]
    assert (watchlist.search_key, watchlist.display_name) == ("ObjectId", "Admins")


@pytest.mark.parametrize(
    ("name", "text", "side", "message", "line"),
    [
        ("admins.csv", "A,B\nx\n", None, "row has 1 cells, the header names 2 columns", 2),
        ("admins.csv", "A,A\nx,y\n", None, "column A appears twice", 1),
        ("admins.csv", "A,SearchKey\nx,y\n", None, "SearchKey is reserved", 1),
        ("admins.csv", "A,\nx,y\n", None, "column 2 of the header has no name", 1),
        ("admins.csv", "\n\n", None, "empty watchlist", 1),
        ("bad name.csv", "A\nx\n", None, "not a usable alias", 0),
        ("admins.csv", "A\nx\n", "search_key: B\n", "search_key 'B' is not a column", 0),
        ("admins.csv", "A\nx\n", "colour: red\n", "unknown key 'colour'", 0),
    ],
)
def test_a_malformed_watchlist_is_refused_with_its_place(
    tmp_path: Path, name: str, text: str, side: str | None, message: str, line: int
) -> None:
    path = write(tmp_path, name, text)
    if side is not None:
        write(tmp_path, "admins.yaml", side)
    with pytest.raises(WatchlistError) as raised:
        parse_watchlist(path)
    assert message in str(raised.value)
    assert raised.value.location is not None and raised.value.location.line == line


def test_two_aliases_differing_only_in_case_are_refused(tmp_path: Path) -> None:
    write(tmp_path, "Admins.csv", ADMINS)
    write(tmp_path, "admins.csv", ADMINS)
    if len(list((tmp_path / "watchlists").iterdir())) < 2:
        pytest.skip("case-insensitive file system")
    with pytest.raises(WatchlistError, match="differs only in case"):
        load_watchlists(tmp_path)


def test_an_alias_that_is_a_table_name_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "SigninLogs.csv", ADMINS)
    with pytest.raises(WatchlistError, match="also the name of a table"):
        resolve_schemas(tmp_path)


def test_the_analyzer_types_each_call_by_its_watchlists_columns(tmp_path: Path) -> None:
    write(tmp_path, "admins.csv", ADMINS)
    write(tmp_path, "ranges.csv", "Cidr,Site\n10.0.0.0/8,HQ\n")
    schemas = resolve_schemas(tmp_path)
    analyzer = shared_analyzer()
    good = analyzer.analyze("_GetWatchlist('admins') | project SearchKey, ObjectId, WatchlistItem", schemas)
    assert not good.errors
    assert [(c.name, c.type) for c in good.result_columns or []] == [
        ("SearchKey", "string"),
        ("ObjectId", "string"),
        ("WatchlistItem", "dynamic"),
    ]
    wrong = analyzer.analyze("_GetWatchlist('ranges') | project ObjectId", schemas)
    assert [d.code for d in wrong.errors] == ["KS142"]


def test_the_local_engine_returns_sentinels_shape(tmp_path: Path) -> None:
    write(tmp_path, "admins.csv", ADMINS)
    engine = LocalEngine(None, resolve_schemas(tmp_path))
    result = engine.query("_GetWatchlist('admins') | order by SearchKey asc")
    assert result.column_names == [
        "_DTItemId",
        "LastUpdatedTimeUTC",
        "SearchKey",
        "WatchlistItem",
        "UserPrincipalName",
        "ObjectId",
    ]
    first = result.rows[0]
    assert first[2] == "bg1@contoso.com" and first[3] == {
        "UserPrincipalName": "bg1@contoso.com",
        "ObjectId": "11111111-1111-4111-8111-111111111111",
    }
    assert len({row[0] for row in result.rows}) == 2  # one item id each
    aliases = engine.query("_GetWatchlistAlias")
    assert aliases.rows == [["admins"]]


def test_an_allow_list_filters_events_on_the_local_engine(tmp_path: Path) -> None:
    write(tmp_path, "admins.csv", ADMINS)
    signins = Table(
        [Column("TimeGenerated", "datetime"), Column("UserPrincipalName", "string")],
        [
            [datetime(2024, 5, 1, tzinfo=UTC), "bg1@contoso.com"],
            [datetime(2024, 5, 1, tzinfo=UTC), "eve@x.com"],
        ],
    )
    engine = LocalEngine({"SigninLogs": signins}, resolve_schemas(tmp_path))
    kql = "SigninLogs | where UserPrincipalName !in ((_GetWatchlist('admins') | project SearchKey))"
    assert engine.query(kql).rows == [[datetime(2024, 5, 1, tzinfo=UTC), "eve@x.com"]]


ALLOW_YAML = """\
id: 0b0e8f0e-1c1e-4c1e-9c1e-0b0e8f0e1c2f
name: Sign-in outside the allow-list
description: A sign-in by an account that is not on the admins watchlist.
severity: Low
schedule: {frequency: 1h, period: 1h}
trigger: {operator: gt, threshold: 0}
tables: [SigninLogs]
"""
ALLOW_KQL = """\
SigninLogs
| where UserPrincipalName !in ((_GetWatchlist('admins') | project SearchKey))
| project UserPrincipalName
"""
ALLOW_TESTS = """\
- name: only the account outside the watchlist fires
  now: 2024-05-01T12:00:00Z
  tables:
    SigninLogs:
      - {TimeGenerated: -5m, UserPrincipalName: bg1@contoso.com}
      - {TimeGenerated: -5m, UserPrincipalName: eve@contoso.com}
  expect:
    rows: [{UserPrincipalName: eve@contoso.com}]
- name: an account on the watchlist stays quiet
  now: 2024-05-01T12:00:00Z
  tables:
    SigninLogs:
      - {TimeGenerated: -5m, UserPrincipalName: bg2@contoso.com}
  expect: {no_alerts: true}
"""


def test_kqlrules_test_and_lint_read_the_repositorys_watchlists(repo: Repo) -> None:
    repo.write("watchlists/admins.csv", ADMINS)
    repo.detection("allow", yaml=ALLOW_YAML, kql=ALLOW_KQL)
    repo.tests(ALLOW_TESTS, name="allow")
    result = CliRunner().invoke(app, ["test"])
    assert result.exit_code == 0, result.output + result.stderr
    assert "2 passed" in result.stdout
    lint = CliRunner().invoke(app, ["lint"])
    assert lint.exit_code == 0, lint.output + lint.stderr
    (repo.root / "watchlists" / "admins.csv").write_text("UserPrincipalName\neve@contoso.com\n")
    failing = CliRunner().invoke(app, ["test"])
    assert failing.exit_code == 1


def test_a_local_workspace_serves_the_repositorys_watchlists(tmp_path: Path) -> None:
    write(tmp_path, "admins.csv", ADMINS)
    workspace = LocalWorkspace(tables={}, watchlists=tmp_path)
    now = datetime(2024, 5, 1, tzinfo=UTC)
    result = workspace.query(
        "_GetWatchlist('admins') | summarize n = count()", (now - timedelta(hours=1), now)
    )
    assert result.rows == [[2]]


def test_lint_flags_an_alias_no_csv_defines(repo: Repo) -> None:
    repo.write("watchlists/admins.csv", ADMINS)
    repo.detection("allow", yaml=ALLOW_YAML, kql=ALLOW_KQL.replace("'admins'", "'admin'"))
    result = CliRunner().invoke(app, ["lint"])
    assert result.exit_code == 1
    flat = " ".join(result.output.split())
    assert "KQR020 no watchlist 'admin': add watchlists/admin.csv (known: admins)" in flat
