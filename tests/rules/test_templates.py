"""Templates render in a sandbox; every template problem is reported at the template's file:line(:col)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from kqlrules.rules import TemplateError, load_repository
from tests.rules.conftest import WriteFile

KQL_PATH = "queries/identity/example.kql"


def render_error(root: Path) -> str:
    [loaded] = load_repository(root).detections
    with pytest.raises(TemplateError) as raised:
        loaded.render()
    return str(raised.value)


def test_an_undefined_variable_is_reported_where_it_is_used(
    repo: Path, detection: Callable[..., None]
) -> None:
    detection(kql="SigninLogs\n| where UserPrincipalName == {{ user | kql_string }}\n")
    assert render_error(repo) == f"{KQL_PATH}:2:33: template error: 'user' is undefined"


def test_a_syntax_error_is_reported_at_its_line(repo: Path, detection: Callable[..., None]) -> None:
    detection(kql="SigninLogs\n{% if lookback %}\n| take 1\n")
    assert render_error(repo) == (
        f"{KQL_PATH}:3: template syntax error: Unexpected end of template. Jinja was looking for the "
        "following tags: 'elif' or 'else' or 'endif'. The innermost block that needs to be closed is 'if'."
    )


def test_the_sandbox_refuses_python_internals(repo: Path, detection: Callable[..., None]) -> None:
    detection(kql="SigninLogs\n| extend X = '{{ ''.__class__.__mro__ }}'\n")
    assert render_error(repo) == (
        f"{KQL_PATH}:2: template error: the sandbox forbids this: access to attribute '__class__' of "
        "'str' object is unsafe."
    )


def test_a_filter_refusing_a_value_is_reported_at_the_template_line(
    repo: Path, detection: Callable[..., None]
) -> None:
    detection(kql="SigninLogs\n| where TimeGenerated > ago({{ 'soon' | kql_timespan }})\n")
    assert render_error(repo) == (
        f"{KQL_PATH}:2: template error: kql_timespan: not a timespan: 'soon' "
        "(write it as KQL does: 30s, 5m, 1h, 14d)"
    )


def test_macros_are_imported_from_the_shared_folder(
    repo: Path, detection: Callable[..., None], write: WriteFile
) -> None:
    write("queries/_macros/entra.kql", '{% macro ok() %}| where ResultType == "0"{% endmacro %}\n')
    detection(kql='{% import "_macros/entra.kql" as entra %}\nSigninLogs\n{{ entra.ok() }}\n')
    [loaded] = load_repository(repo).detections
    assert loaded.render().text == 'SigninLogs\n| where ResultType == "0"'


def test_an_error_inside_a_macro_is_reported_in_the_macro_file(
    repo: Path, detection: Callable[..., None], write: WriteFile
) -> None:
    write("queries/_macros/broken.kql", "{% macro since() %}\n| where T > ago({{ nope }})\n{% endmacro %}\n")
    detection(kql='{% import "_macros/broken.kql" as m %}\nSigninLogs\n{{ m.since() }}\n')
    assert render_error(repo) == "queries/_macros/broken.kql:2:20: template error: 'nope' is undefined"


def test_a_missing_import_is_reported_at_the_importing_line(
    repo: Path, detection: Callable[..., None]
) -> None:
    detection(kql='SigninLogs\n{% import "_macros/absent.kql" as m %}\n')
    assert render_error(repo) == f"{KQL_PATH}:2: template not found: _macros/absent.kql"


def test_block_tags_leave_no_blank_lines(repo: Path, detection: Callable[..., None]) -> None:
    detection(kql="T\n{% if true %}\n| take 1\n{% endif %}\n| count\n")
    [loaded] = load_repository(repo).detections
    assert loaded.render().text == "T\n| take 1\n| count"


def test_a_misspelt_parameter_suggests_the_one_meant(repo: Path, detection: Callable[..., None]) -> None:
    detection(kql="SigninLogs\n| where TimeGenerated > {{ ago(lokback) }}\n")
    assert render_error(repo) == (
        f"{KQL_PATH}:2:32: template error: 'lokback' is undefined\n  hint: did you mean 'lookback'?"
    )


def test_an_undefined_name_given_to_a_filter_is_named_not_the_filters_complaint(
    repo: Path, detection: Callable[..., None]
) -> None:
    detection(kql="SigninLogs\n| where UserPrincipalName in ({{ lokback | kql_list }})\n")
    message = render_error(repo)
    assert "'lokback' is undefined" in message and "did you mean 'lookback'?" in message
    assert "expected a list" not in message


def test_a_misspelt_filter_suggests_the_one_meant(repo: Path, detection: Callable[..., None]) -> None:
    detection(kql="SigninLogs\n| where TimeGenerated > ago({{ lookback | kql_timespam }})\n")
    message = render_error(repo)
    assert "No filter named 'kql_timespam'" in message and "did you mean 'kql_timespan'" in message
