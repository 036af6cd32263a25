"""kqlrules' own rules: each flags what it names and keeps quiet about the right way to write it."""

from __future__ import annotations

from datetime import timedelta

from tests.lint.conftest import LintQuery, codes

RECENT = "SigninLogs | where TimeGenerated > ago(1d)"


def test_a_table_read_without_a_time_filter_is_flagged(lint_query: LintQuery) -> None:
    [finding] = lint_query("SigninLogs | where ResultType == '0'")
    assert (finding.code, finding.location.line, finding.location.col, finding.end_col) == (
        "KQR001",
        1,
        1,
        11,
    )


def test_a_time_filter_anywhere_before_aggregation_satisfies_the_table(lint_query: LintQuery) -> None:
    assert lint_query("SigninLogs | where ResultType == '0' | where TimeGenerated > ago(1d)") == []


def test_a_time_filter_after_union_covers_every_table_of_it(lint_query: LintQuery) -> None:
    query = "union SigninLogs, AuditLogs | where TimeGenerated > ago(1d)"
    assert "KQR001" not in codes(lint_query(query))


def test_a_let_bound_table_is_judged_by_how_it_is_used(lint_query: LintQuery) -> None:
    assert lint_query("let s = SigninLogs;\ns | where TimeGenerated > ago(1d)") == []


def test_a_table_without_timegenerated_needs_no_time_filter(lint_query: LintQuery) -> None:
    assert lint_query("Watch | where Value == 'x'") == []


def test_contains_with_a_whole_term_suggests_has(lint_query: LintQuery) -> None:
    [finding] = lint_query(RECENT + " | where AppDisplayName contains 'powershell'")
    assert finding.code == "KQR002" and "`has`" in finding.message


def test_contains_with_a_fragment_is_left_alone(lint_query: LintQuery) -> None:
    assert lint_query(RECENT + " | where AppDisplayName contains 'power.sh'") == []


def test_search_is_a_wildcard_scan(lint_query: LintQuery) -> None:
    assert "KQR003" in codes(lint_query("search 'x'"))


def test_union_star_is_a_wildcard_scan(lint_query: LintQuery) -> None:
    assert "KQR003" in codes(lint_query("union * | where TimeGenerated > ago(1h)"))


def test_star_in_a_filter_is_a_wildcard_scan(lint_query: LintQuery) -> None:
    assert codes(lint_query(RECENT + " | where * has 'x'")) == ["KQR003"]


JOINED = (
    "SigninLogs | where TimeGenerated > ago(1d)\n"
    "| join kind=inner (AuditLogs | where TimeGenerated > ago(1d))\n"
    "    on $left.UserPrincipalName == $right.Identity\n"
)


def test_a_filter_on_left_columns_after_a_join_belongs_before_it(lint_query: LintQuery) -> None:
    [finding] = lint_query(JOINED + "| where IPAddress == '1.2.3.4'")
    assert (finding.code, finding.location.line) == ("KQR004", 4)


def test_a_filter_that_needs_the_right_side_stays_after_the_join(lint_query: LintQuery) -> None:
    assert lint_query(JOINED + "| where OperationName == 'x'") == []


def test_a_filter_on_a_dropped_column_names_the_operator_that_dropped_it(lint_query: LintQuery) -> None:
    findings = lint_query(RECENT + " | project UserPrincipalName | where IPAddress == '1'")
    assert codes(findings) == ["KQR005"]  # replaces the analyzer's bare "unknown name" (KS142)
    assert "`project`" in findings[0].message


def test_an_entity_column_missing_from_the_output_is_an_error(lint_query: LintQuery) -> None:
    findings = lint_query(RECENT + " | summarize count() by UserPrincipalName", columns=["IPAddress"])
    assert codes(findings) == ["KQR006"]
    assert findings[0].location.path == "q.yaml"


def test_entity_columns_in_the_output_are_fine(lint_query: LintQuery) -> None:
    assert (
        lint_query(RECENT + " | summarize count() by UserPrincipalName", columns=["UserPrincipalName"]) == []
    )


def test_a_join_without_kind_is_flagged_at_its_keyword(lint_query: LintQuery) -> None:
    query = (
        RECENT + "\n| join (AuditLogs | where TimeGenerated > ago(1d)) on $left.IPAddress == $right.Identity"
    )
    [finding] = lint_query(query)
    assert (finding.code, finding.location.line, finding.location.col, finding.end_col) == ("KQR007", 2, 3, 7)


def test_a_lookback_shorter_than_the_period_is_flagged(lint_query: LintQuery) -> None:
    assert codes(lint_query(RECENT, period=timedelta(days=2))) == ["KQR008"]


def test_a_lookback_through_a_let_variable_is_resolved(lint_query: LintQuery) -> None:
    query = "let window = 1h;\nSigninLogs | where TimeGenerated > ago(window)"
    assert codes(lint_query(query, period=timedelta(days=1))) == ["KQR008"]


def test_a_recent_window_beside_a_full_baseline_is_intended(lint_query: LintQuery) -> None:
    query = (
        "SigninLogs | where TimeGenerated > ago(14d) | join kind=inner "
        "(SigninLogs | where TimeGenerated > ago(1d)) on IPAddress"
    )
    assert lint_query(query, period=timedelta(days=14)) == []


def test_a_comment_disables_a_code_on_its_line(lint_query: LintQuery) -> None:
    assert lint_query("SigninLogs // kqlrules: disable=KQR001\n| take 1") == []


def test_a_comment_alone_on_a_line_disables_the_next_line(lint_query: LintQuery) -> None:
    assert lint_query("// kqlrules: disable=KQR001\nSigninLogs | take 1") == []


def test_a_detection_can_disable_a_code(lint_query: LintQuery) -> None:
    assert lint_query("SigninLogs | take 1", disabled=frozenset({"KQR001"})) == []


def test_analyzer_errors_are_reported_with_its_code_at_the_query_position(lint_query: LintQuery) -> None:
    [finding] = lint_query(RECENT + "\n| where Nope == 1")
    assert (finding.code, finding.source, finding.location.line, finding.location.col) == (
        "KS142",
        "analyzer",
        2,
        9,
    )


def test_a_query_nested_too_deep_for_the_tree_still_gets_the_analyzers_diagnostics(
    lint_query: LintQuery,
) -> None:
    findings = lint_query("print x = " + "(" * 1000 + "nope" + ")" * 1000)
    assert (findings[0].code, findings[0].severity.value) == ("KQR000", "warning")
    assert findings[1:] and all(f.source == "analyzer" for f in findings[1:])
    assert "nests too deeply" in findings[0].message


def test_a_table_read_but_not_declared_is_flagged_at_tables(lint_query: LintQuery) -> None:
    audit = "AuditLogs | where TimeGenerated > ago(1d)"
    query = f"{RECENT} | join kind=inner ({audit}) on $left.IPAddress == $right.Identity"
    [finding] = [f for f in lint_query(query, tables=("SigninLogs",)) if f.code == "KQR009"]
    assert "reads AuditLogs, which `tables:` does not list" in finding.message
    assert (finding.location.path, finding.location.line) == ("q.yaml", 14)


def test_a_declared_table_the_query_does_not_read_is_flagged(lint_query: LintQuery) -> None:
    findings = lint_query(RECENT, tables=("SigninLogs", "AuditLogs"))
    assert [f.message for f in findings if f.code == "KQR009"] == [
        "`tables:` lists AuditLogs, which the query does not read"
    ]


def test_tables_that_match_or_are_not_declared_say_nothing(lint_query: LintQuery) -> None:
    assert "KQR009" not in codes(lint_query(RECENT, tables=("SigninLogs",)))
    assert "KQR009" not in codes(lint_query(RECENT))
    assert "KQR009" in codes(lint_query(RECENT, tables=("signinlogs",)))  # names are case-sensitive


def test_an_unknown_column_names_the_columns_meant(lint_query: LintQuery) -> None:
    [finding] = lint_query(f"{RECENT} | where UserPrincipalNam == 'x'")
    assert finding.code == "KS142"
    assert "(did you mean 'UserPrincipalName'?)" in finding.message  # before where the schema came from


def test_an_unknown_name_with_nothing_close_has_no_guess(lint_query: LintQuery) -> None:
    [finding] = lint_query(f"{RECENT} | where Zebra == 'x'")
    assert finding.code == "KS142" and "did you mean" not in finding.message
