from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kqlrules.runner.alerts import ResultShapeError, evaluate, fingerprint, suppressed_by
from kqlrules.runner.schedule import Window
from kqlrules.table import Column, Table
from tests.runner.conftest import detection

WINDOW = Window(datetime(2024, 5, 1, 10, tzinfo=UTC), datetime(2024, 5, 1, 10, 5, tzinfo=UTC))
COLUMNS = [Column("UserPrincipalName", "string"), Column("ResultType", "string"), Column("IP", "string")]
ROWS = [
    ["ann@contoso.com", "50126", "10.0.0.1"],
    ["bob@contoso.com", "50126", "10.0.0.2"],
    ["ann@contoso.com", "50053", "10.0.0.3"],
]


def test_no_alert_when_the_trigger_does_not_fire() -> None:
    rule = detection("threshold", trigger={"operator": "gt", "threshold": 3}).meta
    evaluation, alerts = evaluate(rule, WINDOW, Table(COLUMNS, ROWS))
    assert (evaluation.row_count, evaluation.fired, alerts) == (3, False, [])


def test_one_alert_per_entity_group_with_its_rows_custom_details() -> None:
    rule = detection("per-user").meta
    evaluation, alerts = evaluate(rule, WINDOW, Table(COLUMNS, ROWS))
    assert evaluation.fired
    by_user = {a.entities[0]["FullName"]: a for a in alerts}
    assert set(by_user) == {"ann@contoso.com", "bob@contoso.com"}
    assert by_user["ann@contoso.com"].row_count == 2
    assert by_user["ann@contoso.com"].custom_details == {"Result": ["50126", "50053"]}


def test_a_detection_without_entities_raises_one_alert_per_window() -> None:
    rule = detection("no-entities", entities={}, custom_details={}).meta
    _, alerts = evaluate(rule, WINDOW, Table(COLUMNS, ROWS))
    assert len(alerts) == 1 and alerts[0].row_count == 3


def test_without_event_times_the_fingerprint_is_stable_for_a_window_and_differs_across_windows() -> None:
    rule = detection("stable").meta
    _, first = evaluate(rule, WINDOW, Table(COLUMNS, ROWS))
    _, again = evaluate(rule, WINDOW, Table(COLUMNS, list(reversed(ROWS))))
    later = Window(WINDOW.start + timedelta(minutes=5), WINDOW.end + timedelta(minutes=5))
    _, moved = evaluate(rule, later, Table(COLUMNS, ROWS))
    assert {a.fingerprint for a in first} == {a.fingerprint for a in again}
    assert not {a.fingerprint for a in first} & {a.fingerprint for a in moved}


TIMED = [Column("TimeGenerated", "datetime"), *COLUMNS]
AT = WINDOW.start + timedelta(minutes=2)


def test_the_fingerprint_is_the_events_not_the_window() -> None:
    rule = detection("timed").meta
    rows = [[AT, *ROWS[0]], [AT + timedelta(minutes=1), *ROWS[2]]]
    _, five = evaluate(rule, WINDOW, Table(TIMED, rows))
    hour = Window(WINDOW.start - timedelta(minutes=55), WINDOW.end)
    _, sixty = evaluate(rule, hour, Table(TIMED, list(reversed(rows))))
    assert [a.fingerprint for a in five] == [a.fingerprint for a in sixty]
    assert five[0].events == ["2024-05-01T10:02:00Z", "2024-05-01T10:03:00Z"]
    assert five[0].fingerprint == fingerprint(rule.id, five[0].entity_key, reversed(five[0].events))
    _, other = evaluate(rule, WINDOW, Table(TIMED, rows[:1]))
    assert other[0].fingerprint != five[0].fingerprint


def test_rows_already_alerted_are_left_out_and_an_alert_of_only_those_is_not_made() -> None:
    rule = detection("timed").meta
    rows = [[AT, *ROWS[0]], [AT + timedelta(minutes=1), *ROWS[2]], [AT, *ROWS[1]]]
    _, all_of_them = evaluate(rule, WINDOW, Table(TIMED, rows))
    ann, bob = sorted(all_of_them, key=lambda a: a.entities[0]["FullName"])
    seen = {(ann.entity_key, "2024-05-01T10:02:00Z"), (bob.entity_key, "2024-05-01T10:02:00Z")}
    _, left = evaluate(rule, WINDOW, Table(TIMED, rows), lambda pairs: seen & set(pairs))
    assert [(a.entities[0]["FullName"], a.events, a.row_count) for a in left] == [
        ("ann@contoso.com", ["2024-05-01T10:03:00Z"], 1)
    ]


def test_a_summarized_result_takes_its_datetime_columns_as_the_event_time() -> None:
    rule = detection("summarized").meta
    columns = [Column("StartTime", "datetime"), Column("EndTime", "datetime"), *COLUMNS]
    rows = [[AT, AT + timedelta(minutes=1), *ROWS[0]]]
    _, alerts = evaluate(rule, WINDOW, Table(columns, rows))
    assert alerts[0].events == ["2024-05-01T10:02:00Z/2024-05-01T10:03:00Z"]


def test_the_alert_title_fills_column_placeholders_from_the_first_row() -> None:
    rule = detection("titled", alert={"title": "Failed sign-ins for {{UserPrincipalName}}"}).meta
    _, alerts = evaluate(rule, WINDOW, Table(COLUMNS, ROWS[1:2]))
    assert alerts[0].title == "Failed sign-ins for bob@contoso.com"


def test_a_missing_entity_column_is_a_clear_error() -> None:
    rule = detection("missing", entities={"Host": "Computer"}).meta
    with pytest.raises(ResultShapeError, match="no column"):
        evaluate(rule, WINDOW, Table(COLUMNS, ROWS))


def test_suppression_holds_back_an_alert_younger_than_suppress_for() -> None:
    hour = timedelta(hours=1)
    assert suppressed_by(WINDOW.end - timedelta(minutes=30), WINDOW, hour)
    assert not suppressed_by(WINDOW.end - hour, WINDOW, hour)
    assert not suppressed_by(None, WINDOW, hour)
    assert not suppressed_by(WINDOW.end - timedelta(minutes=30), WINDOW, None)


def test_an_entity_without_a_value_is_left_out_as_sentinel_does() -> None:
    rule = detection(
        "sparse", entities={"Account": "UserPrincipalName", "IP": {"Address": "IP"}}, custom_details={}
    ).meta
    _, alerts = evaluate(rule, WINDOW, Table(COLUMNS, [["ann@contoso.com", "0", ""], ["", "0", None]]))
    by_key = {a.entity_key: a.entities for a in alerts}
    assert sorted(by_key.values(), key=len) == [[], [{"type": "Account", "FullName": "ann@contoso.com"}]]
