"""Lint sets aside the analyzer errors the reference contradicts, as the local engine does
(kqlrules.kusto.overrides), and keeps every other."""

from __future__ import annotations

from tests.lint.conftest import LintQuery, codes

RECENT = "SigninLogs | where TimeGenerated > ago(1d)"


def test_todynamic_of_a_dynamic_value_is_not_an_error(lint_query: LintQuery) -> None:
    # parse-json-function: "if json is of type dynamic, its value is used as-is"; todynamic and toobject
    # are its documented aliases.
    for alias in ("todynamic", "toobject"):
        query = RECENT + f" | extend d = {alias}(dynamic({{'a': 1}})) | project d"
        assert lint_query(query) == [], alias


def test_todynamic_of_a_long_is_still_an_error(lint_query: LintQuery) -> None:
    found = lint_query(RECENT + " | extend d = todynamic(1) | project d")
    assert [f for f in found if f.source == "analyzer" and f.severity == "error"], codes(found)


def test_a_real_second_of_make_timespan_is_not_an_error(lint_query: LintQuery) -> None:
    # make-timespan-function: the second is `real`, "A value from 0 to 59.9999999" (its example: 55.123).
    spans = "t = make_timespan(1, 12, 30, 55.123), u = make_timespan(12, 30, 5.5)"
    query = RECENT + f" | extend {spans} | project t, u"
    assert lint_query(query) == []


def test_a_real_hour_of_make_timespan_is_still_an_error(lint_query: LintQuery) -> None:
    found = lint_query(RECENT + " | extend t = make_timespan(1, 2.5) | project t")
    assert [f for f in found if f.source == "analyzer" and f.severity == "error"], codes(found)
