"""Microsoft Sentinel analytic rule YAML (the Azure-Sentinel repository's shape) as a lint unit: the KQL
in `query:`, mapped back to the YAML file's own line:col inside the block scalar, plus the metadata that
names output columns (entityMappings, customDetails, alertDetailsOverride placeholders)."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from kqlrules.errors import Location
from kqlrules.lint.findings import Finding, Severity
from kqlrules.lint.rules import INVALID_INPUT
from kqlrules.lint.unit import ColumnUse, LintUnit, Origin, block_origin
from kqlrules.rules import SentinelYamlError, compose_rule, read_text
from kqlrules.timespan import TimespanError, parse_timespan

_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_DISABLE_KEY = "kqlrulesLintDisable"  # optional list of codes in a Sentinel YAML, as `lint.disable` is ours


def read_sentinel_rule(path: Path, shown: str) -> LintUnit:
    """A unit for one Sentinel rule file; a file that cannot be read is a unit with a KQR000 problem,
    a file without `query:` (a "moved" stub) a unit with nothing to lint."""

    def problem(message: str, line: int = 0, col: int = 0) -> LintUnit:
        where = Location(shown, line, col)
        finding = Finding(INVALID_INPUT.code, Severity.error, message, where)
        return LintUnit(shown, None, lambda _l, _c: where, problems=[finding], anchor=where)

    try:
        # The node graph (not Python objects): it keeps every value's position.
        source = read_text(path, shown)
        document = compose_rule(source, shown)
    except SentinelYamlError as error:
        where = error.location or Location(shown)
        return problem(error.message, where.line, where.col)
    fields = _mapping(document)
    query = fields.get("query")
    if not isinstance(query, ScalarNode) or not query.value.strip():
        return LintUnit(shown, None, lambda line, col: Location(shown, line, col))
    origin, anchor = _query_origin(query, source, shown)
    disable = fields.get("kqlrulesLintDisable")
    return LintUnit(
        shown,
        str(query.value).replace("\r\n", "\n"),
        origin,
        period=_period(_text(fields.get("queryPeriod"))),
        column_uses=_column_uses(fields, shown),
        disabled=frozenset(str(_text(code)).upper() for code in _items(disable)),
        anchor=anchor,
    )


def _mapping(node: Node | None) -> dict[str, Node]:
    if not isinstance(node, MappingNode):
        return {}
    return {str(key.value): value for key, value in node.value if isinstance(key, ScalarNode)}


def _items(node: Node | None) -> list[Node]:
    return list(node.value) if isinstance(node, SequenceNode) else []


def _text(node: Node | None) -> str | None:
    """A scalar's text, unless YAML reads it as something else (`null`, `~`, a number, a boolean)."""
    if not isinstance(node, ScalarNode):
        return None
    if node.style is None and node.tag != "tag:yaml.org,2002:str":
        return None
    return str(node.value)


def _at(node: Node, shown: str) -> Location:
    return Location(shown, node.start_mark.line + 1, node.start_mark.column + 1)


def _query_origin(query: ScalarNode, source: str, shown: str) -> tuple[Origin, Location]:
    line0, col0 = query.start_mark.line, query.start_mark.column
    if query.style in ("|", ">"):
        # A block scalar: the query's line 1 is the next line, at the block's indentation.
        indent = _block_indent(source.splitlines(), line0 + 1)
        return block_origin(shown, line0 + 2, indent), Location(shown, line0 + 2, indent + 1)
    # A flow scalar (plain or quoted), usually on one line: columns count from its first character.
    start = col0 + (1 if query.style in ("'", '"') else 0)

    def flow(line: int, col: int) -> Location:
        return Location(shown, line0 + line, start + col if line == 1 else col)

    return flow, Location(shown, line0 + 1, start + 1)


def _block_indent(lines: list[str], first: int) -> int:
    for line in lines[first:]:
        if line.strip():
            return len(line) - len(line.lstrip(" "))
    return 0


def _period(value: str | None) -> timedelta | None:
    if value is None:
        return None
    try:
        return parse_timespan(str(value))
    except TimespanError:
        return None


def _column_uses(fields: dict[str, Node], shown: str) -> list[ColumnUse]:
    uses: list[ColumnUse] = []
    for entity in _items(fields.get("entityMappings")):
        mapping = _mapping(entity)
        for field in _items(mapping.get("fieldMappings")):
            node = _mapping(field).get("columnName")
            if node is not None and (column := _text(node)):
                kind, identifier = _text(mapping.get("entityType")), _text(_mapping(field).get("identifier"))
                uses.append(ColumnUse(column, f"entity {kind}.{identifier}", _at(node, shown)))
    for key, node in _mapping(fields.get("customDetails")).items():
        if column := _text(node):
            uses.append(ColumnUse(column, f"custom detail {key}", _at(node, shown)))
    for key, node in _mapping(fields.get("alertDetailsOverride")).items():
        value = _text(node)
        if not value:
            continue
        if key.endswith("ColumnName"):
            uses.append(ColumnUse(value, f"alertDetailsOverride.{key}", _at(node, shown)))
        for match in _PLACEHOLDER.finditer(value):
            uses.append(ColumnUse(match.group(1), f"placeholder in {key}", _at(node, shown)))
    return uses
