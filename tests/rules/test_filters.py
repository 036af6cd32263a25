"""The KQL filters: a parameter value can never break out of the literal it is rendered into."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kqlrules.rules import kql_datetime, kql_list, kql_string, kql_timespan
from kqlrules.rules.filters import FilterValueError

# A complete KQL double-quoted literal: no raw quote, backslash or line break except as an escape pair.
ONE_LITERAL = re.compile(r'"(?:[^"\\\n\r]|\\["\\ntr])*"')
_UNESCAPE = {'"': '"', "\\": "\\", "n": "\n", "t": "\t", "r": "\r"}


def unquote(literal: str) -> str:
    return re.sub(r"\\(.)", lambda m: _UNESCAPE[m.group(1)], literal[1:-1])


@pytest.mark.parametrize(
    ("value", "literal"),
    [
        ("plain", '"plain"'),
        ('say "hi"', '"say \\"hi\\""'),
        ("C:\\Windows\\", '"C:\\\\Windows\\\\"'),
        ("line1\nline2", '"line1\\nline2"'),
        ('\\"); drop', '"\\\\\\"); drop"'),
        ("tab\there", '"tab\\there"'),
    ],
)
def test_kql_string_escapes(value: str, literal: str) -> None:
    assert kql_string(value) == literal


@given(st.text(alphabet=st.characters(blacklist_categories=("Cc",)) | st.sampled_from("\n\r\t\"\\'")))
def test_kql_string_is_always_one_literal_that_reads_back(value: str) -> None:
    literal = kql_string(value)
    assert ONE_LITERAL.fullmatch(literal)
    assert unquote(literal) == value


def test_kql_string_refuses_control_characters_without_escape() -> None:
    with pytest.raises(FilterValueError, match="U\\+0000"):
        kql_string("a\x00b")


def test_kql_list_is_a_dynamic_array_of_escaped_strings() -> None:
    assert kql_list(["a", 'b"c', "d\\e"]) == 'dynamic(["a", "b\\"c", "d\\\\e"])'


def test_kql_list_keeps_numbers_and_booleans() -> None:
    assert kql_list([1, 2.5, True]) == "dynamic([1, 2.5, true])"


def test_kql_list_reads_text_as_comma_separated() -> None:
    assert kql_list("a, b,,c") == 'dynamic(["a", "b", "c"])'


def test_kql_list_of_nothing_is_an_empty_array() -> None:
    assert kql_list([]) == "dynamic([])"


@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cc",)) | st.sampled_from('"\\\n'))))
def test_kql_list_elements_never_break_out(values: list[str]) -> None:
    rendered = kql_list(values)
    inner = rendered.removeprefix("dynamic([").removesuffix("])")
    elements = ONE_LITERAL.findall(inner)
    assert [unquote(element) for element in elements] == values
    assert ONE_LITERAL.sub("", inner).replace(", ", "") == ""


@pytest.mark.parametrize(
    ("value", "literal"),
    [("1h", "1h"), ("PT30M", "30m"), (timedelta(days=14), "14d"), (timedelta(seconds=90), "90s")],
)
def test_kql_timespan(value: object, literal: str) -> None:
    assert kql_timespan(value) == literal


@pytest.mark.parametrize("value", ["1h) | take 1 //", "soon", 5, timedelta(hours=-1)])
def test_kql_timespan_refuses_what_is_not_a_timespan(value: object) -> None:
    with pytest.raises(FilterValueError):
        kql_timespan(value)


@pytest.mark.parametrize(
    ("value", "literal"),
    [
        ("2024-05-01T10:00:00Z", "datetime(2024-05-01T10:00:00Z)"),
        ("2024-05-01T12:00:00+02:00", "datetime(2024-05-01T10:00:00Z)"),
        (datetime(2024, 5, 1, 10, 0, 0, 500, tzinfo=UTC), "datetime(2024-05-01T10:00:00.000500Z)"),
        (datetime(2024, 5, 1, 10, tzinfo=timezone(timedelta(hours=-1))), "datetime(2024-05-01T11:00:00Z)"),
        (date(2024, 5, 1), "datetime(2024-05-01T00:00:00Z)"),
    ],
)
def test_kql_datetime(value: object, literal: str) -> None:
    assert kql_datetime(value) == literal


def test_kql_datetime_refuses_injection() -> None:
    with pytest.raises(FilterValueError, match="not an ISO 8601 datetime"):
        kql_datetime("2024-05-01) | take 1 //")
