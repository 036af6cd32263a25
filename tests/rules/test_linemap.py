"""The line map: a position in rendered KQL leads back to the template (or macro) text it came from."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from kqlrules.errors import Location
from kqlrules.rules import RenderedQuery, load_repository
from tests.rules.conftest import GOOD_YAML, WriteFile

TEMPLATE = """\
{# a comment line that renders to nothing #}
{% import "_macros/m.kql" as m %}
SigninLogs
{% if lookback %}
| where TimeGenerated > ago({{ lookback | kql_timespan }})
{% endif %}
{{ m.success() }}
| where UserPrincipalName in ({{ users | kql_list }}) and IPAddress == "1"
"""
MACRO = """\
{% macro success() %}
| where ResultType == "0"
| where IsInteractive
{%- endmacro %}
"""


def rendered(repo: Path, detection: Callable[..., None], write: WriteFile) -> RenderedQuery:
    write("queries/_macros/m.kql", MACRO)
    detection(yaml=GOOD_YAML + "params:\n  users: [alice]\n", kql=TEMPLATE)
    [loaded] = load_repository(repo).detections
    return loaded.render()


def test_rendered_lines_map_to_their_template_lines(
    repo: Path, detection: Callable[..., None], write: WriteFile
) -> None:
    query = rendered(repo, detection, write)
    assert query.text.splitlines()[1] == "| where TimeGenerated > ago(1h)"
    assert query.line_map.to_template(1, 1) == Location("queries/identity/example.kql", 3, 1)
    assert query.line_map.to_template(2, 3) == Location("queries/identity/example.kql", 5, 3)


def test_columns_after_an_expression_map_to_the_template_column(
    repo: Path, detection: Callable[..., None], write: WriteFile
) -> None:
    query = rendered(repo, detection, write)
    line = query.text.splitlines()[4]
    col = line.index("IPAddress") + 1
    template_col = TEMPLATE.splitlines()[7].index("IPAddress") + 1
    assert query.line_map.to_template(5, col) == Location("queries/identity/example.kql", 8, template_col)


def test_an_expression_maps_to_where_it_is_written(
    repo: Path, detection: Callable[..., None], write: WriteFile
) -> None:
    query = rendered(repo, detection, write)
    col = query.text.splitlines()[4].index("dynamic") + 1
    assert query.line_map.to_template(5, col) == Location("queries/identity/example.kql", 8, 31)


def test_lines_from_a_macro_map_into_the_macro_file(
    repo: Path, detection: Callable[..., None], write: WriteFile
) -> None:
    query = rendered(repo, detection, write)
    assert query.text.splitlines()[2:4] == ['| where ResultType == "0"', "| where IsInteractive"]
    assert query.line_map.to_template(3, 9) == Location("queries/_macros/m.kql", 2, 9)
    assert query.line_map.to_template(4, 1) == Location("queries/_macros/m.kql", 3, 1)
