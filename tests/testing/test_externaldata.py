"""A detection that joins a feed read with `externaldata` is tested on fixtures: each case says what the local
engine reads for the feed's URL (a fixture file beside the test file, or no rows)."""

from __future__ import annotations

from typer.testing import CliRunner

from kqlrules.cli.main import app
from tests.testing.conftest import Repo

FEED = "https://example.com/feeds/tor-exits.csv"
YAML = """\
id: 6f0b5d1e-2a55-4f0e-9d1c-3c2b7a1e9f10
name: Sign-in from a Tor exit node
description: A successful sign-in came from an address on the Tor exit-node feed.
severity: Medium
schedule: {frequency: 1h, period: 1h}
trigger: {operator: gt, threshold: 0}
tables: [SigninLogs]
"""
KQL = f"""\
let exits = externaldata(Address: string) [@"{FEED}"] with (format="csv");
SigninLogs
| where ResultType == "0"
| join kind=inner exits on $left.IPAddress == $right.Address
| project UserPrincipalName, IPAddress
"""
SIGNIN = """\
    SigninLogs:
      - {TimeGenerated: -5m, UserPrincipalName: a@x.com, IPAddress: 198.51.100.7, ResultType: "0"}
"""


def case(name: str, feed: str, expect: str) -> str:
    return f"""\
- name: {name}
  now: 2024-05-01T12:00:00Z
  tables:
{SIGNIN}  externaldata:
    {FEED}: {feed}
  expect: {expect}
"""


FIRES = "{alerts: 1, rows: [{UserPrincipalName: a@x.com, IPAddress: 198.51.100.7}]}"
QUIET = "{no_alerts: true}"


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    assert "Traceback" not in result.output + result.stderr
    return result.exit_code, result.output + result.stderr


def detection(repo: Repo) -> None:
    repo.detection("tor_signin", yaml=YAML, kql=KQL)


def test_a_feed_given_by_a_fixture_file_or_empty_is_what_the_query_reads(repo: Repo) -> None:
    detection(repo)
    repo.write("queries/identity/fixtures/tor.csv", "198.51.100.7\n203.0.113.9\n")
    repo.tests(
        case("on the feed", "fixtures/tor.csv", FIRES) + case("empty feed", "empty", QUIET), "tor_signin"
    )
    code, output = invoke("test")
    assert code == 0, output


def test_an_address_missing_from_the_feed_fails_the_case(repo: Repo) -> None:
    detection(repo)
    repo.write("queries/identity/fixtures/tor.csv", "203.0.113.9\n")
    repo.tests(
        case("on the feed", "fixtures/tor.csv", FIRES) + case("empty feed", "empty", QUIET), "tor_signin"
    )
    code, output = invoke("test")
    assert code == 1
    assert "expected 1 alert(s), got 0" in output


def test_a_missing_fixture_file_is_the_test_files_error_at_its_line(repo: Repo) -> None:
    detection(repo)
    repo.tests(case("on the feed", "fixtures/nowhere.csv", FIRES), "tor_signin")
    code, output = invoke("test")
    assert code == 1
    assert "tor_signin.tests.yaml:7:" in output
    assert "no file" in output


def test_an_unmapped_feed_is_refused_naming_its_url(repo: Repo) -> None:
    detection(repo)
    text = case("on the feed", "empty", FIRES).replace(f"  externaldata:\n    {FEED}: empty\n", "")
    repo.tests(text, "tor_signin")
    code, output = invoke("test")
    assert code == 1
    assert "example.com/feeds/tor-exits.csv" in output
