"""What a repository's files cannot do: read files outside it through links, print values that are no KQL,
or exhaust memory and stack with a crafted YAML document."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import pytest

from kqlrules.errors import KqlrulesError
from kqlrules.rules import TemplateError, load_repository
from kqlrules.rules.filters import FilterValueError, finalize, kql_list, kql_string
from tests.rules.conftest import GOOD_YAML, WriteFile

KQL_PATH = "queries/identity/example.kql"
SECRET = "root:x:0:0:secret-line\n"


def render(root: Path, **params: object) -> str:
    [loaded] = load_repository(root, params=params or None).detections
    return loaded.render().text


def render_error(root: Path, **params: object) -> str:
    [loaded] = load_repository(root, params=params or None).detections
    with pytest.raises(TemplateError) as raised:
        loaded.render()
    return str(raised.value)


@pytest.fixture
def outside_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("elsewhere") / "passwd"
    path.write_text(SECRET, encoding="utf-8")
    return path


def test_an_include_through_a_link_out_of_the_repository_is_refused(
    repo: Path, detection: Callable[..., None], outside_file: Path
) -> None:
    (repo / "queries" / "_macros").mkdir()
    (repo / "queries" / "_macros" / "evil.kql").symlink_to(outside_file)
    detection(kql='SigninLogs\n{% include "_macros/evil.kql" %}\n')
    message = render_error(repo)
    assert "resolves outside the repository" in message and message.startswith(f"{KQL_PATH}:2")
    assert "secret-line" not in message


def test_an_import_through_a_link_out_of_the_repository_is_refused(
    repo: Path, detection: Callable[..., None], outside_file: Path
) -> None:
    (repo / "queries" / "_macros").mkdir()
    (repo / "queries" / "_macros" / "evil.kql").symlink_to(outside_file)
    detection(kql='{% import "_macros/evil.kql" as evil %}\nSigninLogs\n')
    assert "resolves outside the repository" in render_error(repo)


def test_a_link_to_a_macro_elsewhere_inside_the_repository_is_followed(
    repo: Path, detection: Callable[..., None], write: WriteFile
) -> None:
    shared = write("shared/macros.kql", '{% macro ok() %}| where ResultType == "0"{% endmacro %}\n')
    (repo / "queries" / "_macros").mkdir()
    (repo / "queries" / "_macros" / "entra.kql").symlink_to(shared)
    detection(kql='{% import "_macros/entra.kql" as entra %}\nSigninLogs\n{{ entra.ok() }}\n')
    assert render(repo) == 'SigninLogs\n| where ResultType == "0"'


def test_metadata_linked_from_outside_the_repository_is_refused_not_read(
    repo: Path, write: WriteFile, tmp_path_factory: pytest.TempPathFactory
) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere") / "rule.yaml"
    elsewhere.write_text(GOOD_YAML, encoding="utf-8")
    write("queries/identity/example.kql", "SigninLogs\n")
    (repo / "queries" / "identity" / "example.yaml").symlink_to(elsewhere)
    repository = load_repository(repo)
    assert repository.detections == []
    [problem] = repository.problems
    assert str(problem).startswith("queries/identity/example.yaml: example.yaml is a link to a file outside")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "a value is None"),
        ({"a": 1}, "a dict has no KQL text"),
        (math.nan, "is not a finite number"),
        (math.inf, "is not a finite number"),
        (2**63, "does not fit KQL's 64-bit long"),
    ],
)
def test_a_bare_value_with_no_kql_text_is_refused_naming_the_parameter(
    repo: Path, write: WriteFile, value: object, expected: str
) -> None:
    write("queries/identity/example.yaml", GOOD_YAML + "params:\n  limit: 1\n")
    write("queries/identity/example.kql", "SigninLogs\n| take {{ limit }}\n")
    message = render_error(repo, limit=value)
    assert expected in message and "(parameter 'limit')" in message
    assert message.startswith(f"{KQL_PATH}:2")


@pytest.mark.parametrize(
    ("value", "printed"),
    [(True, "true"), (False, "false"), (5, "5"), (2.5, "2.5"), ("Name", "Name"), (-(2**63), str(-(2**63)))],
)
def test_bare_values_print_as_their_kql_literals(value: object, printed: str) -> None:
    assert finalize(value) == printed


@pytest.mark.parametrize("value", [None, {"a": 1}, ["a"], True, math.nan, math.inf])
def test_kql_string_refuses_what_is_not_text_or_a_finite_number(value: object) -> None:
    with pytest.raises(FilterValueError):
        kql_string(value)


@pytest.mark.parametrize(
    ("values", "literal"),
    [
        (["a", 1, 2.5, True, None], 'dynamic(["a", 1, 2.5, true, null])'),
        ([{"port": "22", "ranges": ["1-3"]}], 'dynamic([{"port": "22", "ranges": ["1-3"]}])'),
        (['x"]) | take 1 //'], 'dynamic(["x\\"]) | take 1 //"])'),
    ],
)
def test_kql_list_writes_json_forms_as_dynamic_literals(values: object, literal: str) -> None:
    assert kql_list(values) == literal


@pytest.mark.parametrize("values", [[math.nan], [math.inf], [2**64], [{1: "a"}], [object()], None, 5])
def test_kql_list_refuses_values_with_no_json_spelling(values: object) -> None:
    with pytest.raises(FilterValueError):
        kql_list(values)


def test_an_alias_bomb_in_metadata_is_refused_at_its_line(repo: Path, write: WriteFile) -> None:
    bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 9) + "]\n" for level in range(1, 10)
    )
    write("queries/identity/example.yaml", GOOD_YAML + bomb)
    write("queries/identity/example.kql", "SigninLogs\n")
    [problem] = load_repository(repo).problems
    assert "aliases expand it to more than 100,000 values" in str(problem)
    assert str(problem).startswith("queries/identity/example.yaml:")


def test_deep_nesting_in_metadata_is_refused_not_a_recursion_error(repo: Path, write: WriteFile) -> None:
    write("queries/identity/example.yaml", GOOD_YAML + "tags: " + "[" * 5000 + "]" * 5000 + "\n")
    write("queries/identity/example.kql", "SigninLogs\n")
    [problem] = load_repository(repo).problems
    assert "nesting deeper than 64 levels" in str(problem)


def test_deep_nesting_in_the_configuration_is_a_clean_error(repo: Path, write: WriteFile) -> None:
    write("kqlrules.toml", "x = " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(Exception, match="nested too deeply") as raised:
        load_repository(repo)
    assert not isinstance(raised.value, RecursionError)


def test_a_configuration_that_is_not_utf8_is_a_clean_error(repo: Path) -> None:
    (repo / "kqlrules.toml").write_bytes(b"x = '\xff'\n")
    with pytest.raises(Exception, match="cannot read file") as raised:
        load_repository(repo)
    assert "kqlrules.toml" in str(raised.value)


BOMB = "a0: &a0 [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 9) + "]\n" for level in range(1, 10)
)


@pytest.mark.parametrize("read", ["parse_rule", "compose_rule"])
def test_a_sentinel_rule_file_with_an_alias_bomb_is_refused_at_its_line(read: str) -> None:
    from kqlrules.rules import sentinel_yaml

    with pytest.raises(KqlrulesError) as raised:
        getattr(sentinel_yaml, read)("id: x\n" + BOMB, "rule.yaml")
    assert str(raised.value).startswith("rule.yaml:") and "aliases expand it" in str(raised.value)


def test_a_schema_file_nested_too_deep_is_refused(tmp_path: Path) -> None:
    from kqlrules.kusto import SchemaSet

    (tmp_path / "T.yaml").write_text("Name: T\nProperties: " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(KqlrulesError, match="nesting deeper than 64 levels"):
        SchemaSet.load(tmp_path)


@pytest.mark.parametrize(
    ("side", "message"),
    [
        (b"display_name: '\xff'\n", "cannot read file"),
        (("k: " + "[" * 200 + "]" * 200 + "\n").encode(), "nesting"),
    ],
)
def test_a_watchlists_side_file_that_is_not_readable_yaml_is_a_clean_error(
    tmp_path: Path, side: bytes, message: str
) -> None:
    from kqlrules.watchlists import parse_watchlist

    (tmp_path / "vips.csv").write_text("upn\nalice@contoso.com\n", encoding="utf-8")
    (tmp_path / "vips.yaml").write_bytes(side)
    with pytest.raises(KqlrulesError, match=message) as raised:
        parse_watchlist(tmp_path / "vips.csv")
    assert "vips.yaml" in str(raised.value)
