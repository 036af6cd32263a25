"""Microsoft Sentinel analytic rule YAML (the Azure-Sentinel repository's shape) as a lint unit: the KQL
in `query:`, mapped back to the YAML file's own line:col inside the block scalar, plus the metadata that
names output columns (entityMappings, customDetails, alertDetailsOverride placeholders)."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from kqlrules.errors import Location
from kqlrules.lint.findings import Finding, Severity
from kqlrules.lint.rules import INVALID_INPUT
from kqlrules.lint.unit import ColumnUse, LintUnit, Origin, block_origin
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
        source = path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        return problem(f"cannot read file: {error}")
    try:
        document = YAML(typ="rt").load(source)
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        return problem(f"invalid YAML: {error.problem or error.context}", line, col)
    except YAMLError as error:
        return problem(f"invalid YAML: {error}")
    if not isinstance(document, CommentedMap) or not isinstance(document.get("query"), str):
        return LintUnit(shown, None, lambda line, col: Location(shown, line, col))
    query = str(document["query"])
    origin, anchor = _query_origin(document, source, shown)
    return LintUnit(
        shown,
        query.replace("\r\n", "\n"),
        origin,
        period=_period(document.get("queryPeriod")),
        column_uses=_column_uses(document, shown),
        disabled=frozenset(str(code).upper() for code in document.get(_DISABLE_KEY) or ()),
        anchor=anchor,
    )


def _query_origin(document: CommentedMap, source: str, shown: str) -> tuple[Origin, Location]:
    line0, col0 = document.lc.value("query")
    lines = source.splitlines()
    indicator = lines[line0][col0 : col0 + 1] if line0 < len(lines) else ""
    if indicator in ("|", ">"):
        # A block scalar: the query's line 1 is the next line, at the block's indentation.
        indent = _block_indent(lines, line0 + 1)
        return block_origin(shown, line0 + 2, indent), Location(shown, line0 + 2, indent + 1)
    # A flow scalar (plain or quoted), usually on one line: columns count from its first character.
    quote = 1 if indicator in ("'", '"') else 0
    start = col0 + quote

    def flow(line: int, col: int) -> Location:
        return Location(shown, line0 + line, start + col if line == 1 else col)

    return flow, Location(shown, line0 + 1, start + 1)


def _block_indent(lines: list[str], first: int) -> int:
    for line in lines[first:]:
        if line.strip():
            return len(line) - len(line.lstrip(" "))
    return 0


def _period(value: Any) -> timedelta | None:
    if value is None:
        return None
    try:
        return parse_timespan(str(value))
    except TimespanError:
        return None


def _column_uses(document: CommentedMap, shown: str) -> list[ColumnUse]:
    uses: list[ColumnUse] = []

    def at(node: Any, key: Any) -> Location:
        line, col = node.lc.value(key) if isinstance(node, CommentedMap) else node.lc.item(key)
        return Location(shown, line + 1, col + 1)

    mappings = document.get("entityMappings")
    for entity in mappings if isinstance(mappings, CommentedSeq) else ():
        fields = entity.get("fieldMappings") if isinstance(entity, CommentedMap) else None
        for field in fields if isinstance(fields, CommentedSeq) else ():
            if isinstance(field, CommentedMap) and isinstance(field.get("columnName"), str):
                what = f"entity {entity.get('entityType')}.{field.get('identifier')}"
                uses.append(ColumnUse(field["columnName"], what, at(field, "columnName")))
    details = document.get("customDetails")
    if isinstance(details, CommentedMap):
        for key, column in details.items():
            if isinstance(column, str):
                uses.append(ColumnUse(column, f"custom detail {key}", at(details, key)))
    override = document.get("alertDetailsOverride")
    if isinstance(override, CommentedMap):
        for key, value in override.items():
            if not isinstance(value, str):
                continue
            if key.endswith("ColumnName"):
                uses.append(ColumnUse(value, f"alertDetailsOverride.{key}", at(override, key)))
            for match in _PLACEHOLDER.finditer(value):
                uses.append(ColumnUse(match.group(1), f"placeholder in {key}", at(override, key)))
    return uses
