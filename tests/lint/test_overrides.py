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
