"""The stories: each is in the data, each names detections that exist, and the look-alikes stay below
the thresholds the detections use (read from their YAML, so tuning a threshold re-checks the data)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from kqlrules.sample import GeneratedTenant, Story, generate
from kqlrules.timespan import parse_timespan

Rows = dict[str, list[dict[str, Any]]]


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _detections(project_root: Path) -> dict[str, dict[str, Any]]:
    """The pack's query detections (an incident-creation rule has no query: Sentinel opens incidents from
    other products' alerts, and nothing in the sample week runs it)."""
    found = {
        path.stem: yaml.safe_load(path.read_text())
        for path in (project_root / "queries").rglob("*.yaml")
        if not path.name.endswith(".tests.yaml")  # a detection's test cases, not a detection
    }
    return {
        name: meta for name, meta in found.items() if meta.get("kind") != "MicrosoftSecurityIncidentCreation"
    }


def _mentioned(names: Iterable[str], stories: Iterable[Story]) -> set[str]:
    return {name for story in stories for name in names if name in story.fires + story.must_not_fire}


def _hourly_peaks(
    rows: Iterable[dict[str, Any]], key: Callable[[dict[str, Any]], Any], value: str
) -> dict[Any, int]:
    """Distinct `value`s per key and clock hour (what an hourly run with a 1h period sees), peak per key."""
    buckets: dict[tuple[Any, str], set[Any]] = defaultdict(set)
    for row in rows:
        buckets[(key(row), row["TimeGenerated"][:13])].add(row[value])
    peaks: dict[Any, int] = defaultdict(int)
    for (group, _), values in buckets.items():
        peaks[group] = max(peaks[group], len(values))
    return dict(peaks)


@pytest.fixture(scope="module", params=["default week", "seed 99 from a Wednesday"])
def any_rows(request: pytest.FixtureRequest, rows: Rows, tmp_path_factory: pytest.TempPathFactory) -> Rows:
    """The thresholds must hold whatever the seed and whichever weekday the week starts on."""
    if request.param == "default week":
        return rows
    other = generate(tmp_path_factory.mktemp("other"), seed=99, start=datetime(2025, 3, 12, tzinfo=UTC))
    return {
        table: [json.loads(line) for line in path.read_text().splitlines()]
        for table, path in other.files.items()
    }


def test_story_names_are_unique(week: GeneratedTenant) -> None:
    names = [story.name for story in week.stories]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("index", range(60))
def test_each_story_leaves_its_actors_in_its_tables(week: GeneratedTenant, rows: Rows, index: int) -> None:
    story = week.stories[index]
    during = [
        json.dumps(row)
        for table in story.tables
        for row in rows[table]
        if story.start - timedelta(seconds=1)
        <= _time(row["TimeGenerated"])
        <= story.end + timedelta(minutes=5)
    ]
    for actor in story.actors:
        assert any(actor in line for line in during), f"{story.name}: {actor} not in {story.tables}"


def test_there_are_as_many_stories_as_the_parametrised_test_expects(week: GeneratedTenant) -> None:
    assert len(week.stories) == 60


def test_every_detection_a_story_names_exists(week: GeneratedTenant, project_root: Path) -> None:
    named = {name for story in week.stories for name in story.fires + story.must_not_fire}
    assert sorted(named - set(_detections(project_root))) == []


def test_every_detection_has_a_story_that_fires_it(week: GeneratedTenant, project_root: Path) -> None:
    fired = {name for story in week.stories for name in story.fires}
    assert sorted(set(_detections(project_root)) - fired) == []


def test_every_detection_that_promises_a_look_alike_has_one(
    week: GeneratedTenant, project_root: Path
) -> None:
    promised = {
        name for name, meta in _detections(project_root).items() if "must not fire" in meta["description"]
    }
    quiet = {name for story in week.stories for name in story.must_not_fire}
    assert promised and sorted(promised - quiet) == []


def test_stories_fit_the_windows_of_the_detections_they_fire(
    week: GeneratedTenant, project_root: Path
) -> None:
    detections = _detections(project_root)
    for story in week.stories:
        for name in story.fires:
            if name not in detections:
                continue
            meta = detections[name]
            period = parse_timespan(str(meta.get("params", {}).get("lookback", meta["schedule"]["period"])))
            assert story.check_at - story.start <= period, f"{story.name} is longer than {name}'s period"
            recent = meta.get("params", {}).get("recent")
            if recent is not None:
                assert story.check_at - story.end <= parse_timespan(str(recent)), (story.name, name)


def test_no_look_alike_shares_its_window_with_an_attack_on_the_same_detection(
    week: GeneratedTenant, project_root: Path
) -> None:
    detections = _detections(project_root)
    clashes = []
    for quiet in week.stories:
        for name in quiet.must_not_fire:
            if name not in detections:
                continue
            meta = detections[name]
            # A detection with a `recent` slice alerts on that slice only; the rest is its baseline.
            window = meta.get("params", {}).get("recent", meta["schedule"]["period"])
            window_start = quiet.check_at - parse_timespan(str(window))
            for loud in week.stories:
                if name in loud.fires and loud.start < quiet.check_at and loud.end > window_start:
                    clashes.append(f"{quiet.name} and {loud.name} on {name}")
    assert clashes == []


def _params(project_root: Path, name: str) -> dict[str, Any]:
    params: dict[str, Any] = _detections(project_root)[name]["params"]
    return params


def test_only_the_spray_address_fails_for_many_users_in_an_hour(any_rows: Rows, project_root: Path) -> None:
    minimum = _params(project_root, "password_spray")["min_users"]
    failures = [r for r in any_rows["SigninLogs"] if r["ResultType"] in ("50126", "50053")]
    peaks = _hourly_peaks(failures, lambda r: r["IPAddress"], "UserPrincipalName")
    assert {ip for ip, users in peaks.items() if users >= minimum} == {"192.0.2.66"}


def test_only_the_brute_forced_account_fails_often_from_one_address(
    any_rows: Rows, project_root: Path
) -> None:
    minimum = _params(project_root, "brute_force_then_success")["min_failures"]
    counts: dict[tuple[str, str, str], int] = defaultdict(int)
    for row in any_rows["SigninLogs"]:
        if row["ResultType"] == "50126":
            counts[(row["UserPrincipalName"], row["IPAddress"], row["TimeGenerated"][:13])] += 1
    assert {(upn, ip) for (upn, ip, _), n in counts.items() if n >= minimum} == {
        ("megan.bowen@contoso.com", "192.0.2.23")
    }


def test_only_the_fatigued_account_denies_many_prompts(any_rows: Rows, project_root: Path) -> None:
    minimum = _params(project_root, "mfa_fatigue")["min_denials"]
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for row in any_rows["SigninLogs"]:
        if row["ResultType"] == "500121":
            counts[(row["UserPrincipalName"], row["TimeGenerated"][:13])] += 1
    assert {upn for (upn, _), n in counts.items() if n >= minimum} == {"grady.archie@contoso.com"}


def test_only_the_intruder_reads_many_distinct_secrets(any_rows: Rows, project_root: Path) -> None:
    minimum = _params(project_root, "key_vault_secret_mass_access")["min_secrets"]
    gets = [
        dict(r, Secret=r["id_s"].split("/")[4])
        for r in any_rows["AzureDiagnostics"]
        if r["OperationName"] == "SecretGet"
    ]
    upn = "identity_claim_http_schemas_xmlsoap_org_ws_2005_05_identity_claims_upn_s"
    peaks = _hourly_peaks(gets, lambda r: r[upn] or r["identity_claim_appid_g"], "Secret")
    assert {caller for caller, n in peaks.items() if n >= minimum} == {"isaiah.langer@contoso.com"}


def test_only_the_intruder_deletes_more_than_ten_resources_in_an_hour(any_rows: Rows) -> None:
    deletions = [
        r
        for r in any_rows["AzureActivity"]
        if r["OperationNameValue"].endswith("/DELETE") and r["ActivityStatusValue"] == "Success"
    ]
    peaks = _hourly_peaks(deletions, lambda r: r["Caller"], "ResourceId")
    assert {caller for caller, n in peaks.items() if n > 10} == {"isaiah.langer@contoso.com"}


def test_only_the_impossible_traveller_changes_country_within_the_gap(
    any_rows: Rows, project_root: Path
) -> None:
    gap = parse_timespan(str(_params(project_root, "impossible_travel")["max_gap"]))
    by_user: dict[str, list[tuple[datetime, str]]] = defaultdict(list)
    for row in any_rows["SigninLogs"]:
        if row["ResultType"] == "0":
            by_user[row["UserPrincipalName"]].append(
                (_time(row["TimeGenerated"]), row["LocationDetails"]["countryOrRegion"])
            )
    travellers = {
        user
        for user, signins in by_user.items()
        for first, first_country in signins
        for second, second_country in signins
        if timedelta(0) < second - first <= gap and first_country != second_country
    }
    assert travellers == {"adele.vance@contoso.com"}


def test_new_countries_appear_only_in_the_stories(any_rows: Rows, project_root: Path) -> None:
    history = parse_timespan(str(_params(project_root, "new_country_signin")["min_history"]))
    first_seen: dict[str, datetime] = {}
    known: dict[str, set[str]] = defaultdict(set)
    newcomers = set()
    for row in any_rows["SigninLogs"]:
        if row["ResultType"] != "0":
            continue
        user, when = row["UserPrincipalName"], _time(row["TimeGenerated"])
        country = row["LocationDetails"]["countryOrRegion"]
        first_seen.setdefault(user, when)
        if country not in known[user] and when - first_seen[user] >= history:
            newcomers.add((user, country))
        known[user].add(country)
    assert newcomers == {("adele.vance@contoso.com", "NG"), ("joni.sherman@contoso.com", "BR")}
