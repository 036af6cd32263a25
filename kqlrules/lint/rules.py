"""kqlrules' own lint rules, each over the analyzer's facts (typed tree, output columns), never over text.

A rule has a code (`KQR001`), a name, a one-line why and a severity; it yields `Hit`s (a span of the
query, or a place in the metadata). `RULES` is the registry the runner, the docs and SARIF read.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta

from kqlrules.errors import Location
from kqlrules.kusto import Analysis, Node, SchemaSet, downstream_operators, named_parameters, pipe_input
from kqlrules.lint.findings import Severity
from kqlrules.lint.unit import LintUnit
from kqlrules.timespan import TimespanError, format_timespan, parse_timespan


@dataclass(frozen=True)
class Hit:
    message: str
    start: int = 0
    end: int = 0
    location: Location | None = None  # a place in the metadata instead of a span of the query


@dataclass(frozen=True)
class Lookback:
    """An `ago(...)` that bounds a time filter from below, and how far back it reaches."""

    start: int
    end: int
    span: timedelta


@dataclass
class RuleContext:
    unit: LintUnit
    analysis: Analysis
    # None when the query's facts come from the cache: only rules whose hits depend on the query alone
    # (`Rule.query_only`) read the tree, and their hits are cached with it.
    tree: Node | None
    schemas: SchemaSet
    lookbacks: list[Lookback] = field(default_factory=list)

    @property
    def root(self) -> Node:
        assert self.tree is not None, "a query-only rule runs only where the tree is at hand"
        return self.tree


Check = Callable[[RuleContext], Iterator[Hit]]


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    why: str
    severity: Severity
    check: Check
    # The rule explains an analyzer error better; the analyzer's diagnostic at the same place is dropped.
    explains_analyzer_error: bool = False
    # Its hits depend only on the query's analysis and the schemas (not on the unit's metadata): lint
    # caches them with the analysis, so an unchanged query is neither analyzed nor walked again.
    query_only: bool = True


RULES: dict[str, Rule] = {}


def rule(
    code: str,
    name: str,
    why: str,
    severity: Severity,
    *,
    explains_analyzer_error: bool = False,
    query_only: bool = True,
) -> Callable[[Check], Check]:
    def register(check: Check) -> Check:
        RULES[code] = Rule(code, name, why, severity, check, explains_analyzer_error, query_only)
        return check

    return register


# Not a rule of the registry's kind: the code every unreadable input, invalid metadata, template error or
# analyzer failure is reported under.
INVALID_INPUT = Rule(
    "KQR000",
    "invalid-input",
    "The detection, its metadata or its query could not be read, rendered or analyzed.",
    Severity.error,
    lambda context: iter(()),
)

_TIME_FUNCTIONS = {"ago", "now", "ingestion_time", "datetime", "startofday", "startofweek", "endofday"}


# -- KQR001 ----------------------------------------------------------------------------------------------
@rule(
    "KQR001",
    "time-filter-missing",
    "A table with TimeGenerated read without a time filter scans its whole retention.",
    Severity.warning,
)
def time_filter_missing(context: RuleContext) -> Iterator[Hit]:
    for reference in context.root.find("NameReference"):
        if reference.symbol is None or reference.symbol[1] != "Table":
            continue
        if ["TimeGenerated", "datetime"] not in (reference.raw_columns or ()):
            continue
        if not _time_filtered(context.root, reference, depth=0):
            table = reference.symbol[0]
            yield Hit(
                f"{table} is read without a time filter; add `| where TimeGenerated > ago(...)`",
                reference.start,
                reference.end,
            )


def _time_filtered(tree: Node, expression: Node, depth: int) -> bool:
    if depth > 8:
        return True  # deep chains of lets: give the benefit of the doubt rather than guess
    source = _union_or_self(expression)
    for operator in downstream_operators(source):
        if operator.kind == "FilterOperator" and _filters_on_time(operator):
            return True
        if operator.kind in ("SummarizeOperator", "JoinOperator", "LookupOperator"):
            break  # a time filter after aggregation or join does not bound the scan
    # `let x = Table;` then `x | where TimeGenerated > ...`: follow the variable to its uses.
    declaration = _let_target(source)
    if declaration is not None:
        uses = [
            node
            for node in tree.find("NameReference")
            if node.symbol == (declaration, "Variable") and node is not expression
        ]
        return bool(uses) and all(_time_filtered(tree, use, depth + 1) for use in uses)
    return False


def _union_or_self(expression: Node) -> Node:
    """A table listed in `union A, B` is filtered by what follows the union."""
    for ancestor in expression.ancestors():
        if ancestor.kind == "UnionOperator":
            return ancestor
        if ancestor.kind not in ("SeparatedElement", "List", "ParenthesizedExpression"):
            break
    return expression


def _let_target(expression: Node) -> str | None:
    node = expression
    while node.parent is not None and node.parent.kind in ("PipeExpression", "ParenthesizedExpression"):
        node = node.parent
    parent = node.parent
    if parent is not None and parent.kind == "LetStatement":
        declaration = parent.get("Name")
        return declaration.name() if declaration is not None else None
    return None


def _filters_on_time(operator: Node) -> bool:
    condition = operator.get("Condition")
    if condition is None:
        return False
    for node in condition.find("NameReference"):
        if node.symbol is None:
            continue
        if node.symbol[1] == "Column" and node.type == "datetime":
            return True
        if node.symbol[1] == "Function" and node.symbol[0] in _TIME_FUNCTIONS:
            return True
        if node.symbol[1] == "Variable" and node.type == "datetime":
            return True
    return False


# -- KQR002 ----------------------------------------------------------------------------------------------
_CONTAINS = {
    "ContainsExpression": "has",
    "NotContainsExpression": "!has",
    "ContainsCsExpression": "has_cs",
    "NotContainsCsExpression": "!has_cs",
}
_TERM = re.compile(r"^[A-Za-z0-9]{3,}$")


@rule(
    "KQR002",
    "contains-where-has-works",
    "`has` looks a whole term up in the index; `contains` scans every string.",
    Severity.note,
)
def contains_where_has_works(context: RuleContext) -> Iterator[Hit]:
    for node in context.root.find(*_CONTAINS):
        right = node.get("Right")
        value = _string_literal(right) if right is not None else None
        if value is not None and _TERM.match(value):
            operator = next((c for c in node.children if c.field == "Operator"), node)
            yield Hit(
                f'"{value}" is a whole term: `{_CONTAINS[node.kind]}` finds it through the term index',
                operator.start,
                operator.end,
            )


def _string_literal(node: Node) -> str | None:
    if node.kind != "StringLiteralExpression":
        return None
    tokens = [t.token or "" for t in node.tokens()]
    if len(tokens) != 1:
        return None
    text = tokens[0].lstrip("@hH")
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"" else None


# -- KQR003 ----------------------------------------------------------------------------------------------
@rule(
    "KQR003",
    "wildcard-scan",
    "`search`, `union *` and `*` read every column of every table: slow, and they change as tables do.",
    Severity.warning,
)
def wildcard_scan(context: RuleContext) -> Iterator[Hit]:
    for node in context.root.find("SearchOperator", "FindOperator", "WildcardedName", "StarExpression"):
        if node.kind in ("SearchOperator", "FindOperator"):
            keyword = node.children[0] if node.children else node
            yield Hit(
                f"`{keyword.token}` scans every table and column; name the tables and columns",
                node.start,
                keyword.end,
            )
        elif node.kind == "WildcardedName" and any(a.kind == "UnionOperator" for a in node.ancestors()):
            yield Hit(
                "`union` with a wildcard reads every matching table, today's and tomorrow's",
                node.start,
                node.end,
            )
        elif node.kind == "StarExpression" and any(a.kind == "FilterOperator" for a in node.ancestors()):
            yield Hit("`*` in a filter searches every column; name the columns", node.start, node.end)


# -- KQR004 ----------------------------------------------------------------------------------------------
_PUSHABLE_KINDS = {"inner", "innerunique", "leftouter", "leftsemi", "leftanti", "leftantisemi"}


@rule(
    "KQR004",
    "filter-after-join",
    "A filter on the left side's columns after a join can run before it, on far fewer rows.",
    Severity.warning,
)
def filter_after_join(context: RuleContext) -> Iterator[Hit]:
    for operator in context.root.find("FilterOperator"):
        join = _join_before(operator)
        if join is None or _join_kind(join) not in _PUSHABLE_KINDS:
            continue
        left = pipe_input(join)
        condition = operator.get("Condition")
        if left is None or left.raw_columns is None or condition is None:
            continue
        names = {node.symbol[0] for node in condition.referenced_columns() if node.symbol}
        unresolved = any(n.type == "error" for n in condition.find("NameReference"))
        if names and not unresolved and names <= left.column_names and not _has_calls_on_right(condition):
            keyword = operator.children[0] if operator.children else operator
            yield Hit(
                f"this filter reads only the join's left side ({', '.join(sorted(names))}); "
                "move it before the join",
                keyword.start,
                keyword.end,
            )


def _join_before(operator: Node) -> Node | None:
    """The join this filter follows, through any filters between them."""
    stage = pipe_input(operator)
    while stage is not None and stage.kind == "PipeExpression":
        previous = stage.get("Operator")
        if previous is None:
            return None
        if previous.kind == "JoinOperator":
            return previous
        if previous.kind != "FilterOperator":
            return None
        stage = stage.get("Expression")
    return None


def _join_kind(join: Node) -> str:
    parameter = named_parameters(join).get("kind")
    if parameter is None:
        return "innerunique"
    value = parameter.get("Expression")
    return ((value.name() or value.token or "") if value is not None else "").lower()


def _has_calls_on_right(condition: Node) -> bool:
    """`$right.X` in the condition: it reads the right side after all."""
    return any(node.kind == "NameReference" and node.name() == "$right" for node in condition.walk())


# -- KQR005 ----------------------------------------------------------------------------------------------
@rule(
    "KQR005",
    "where-on-dropped-column",
    "A filter names a column that an earlier project/summarize already dropped: it can never match.",
    Severity.error,
    explains_analyzer_error=True,
)
def where_on_dropped_column(context: RuleContext) -> Iterator[Hit]:
    for operator in context.root.find("FilterOperator"):
        condition = operator.get("Condition")
        if condition is None:
            continue
        for reference in condition.find("NameReference"):
            if reference.symbol is not None or reference.type != "error":
                continue
            name = reference.name()
            dropper = _dropped_by(operator, name) if name else None
            if dropper is not None:
                keyword = dropper.children[0].token if dropper.children else dropper.kind
                yield Hit(
                    f"column '{name}' was dropped by the `{keyword}` before this filter",
                    reference.start,
                    reference.end,
                )


def _dropped_by(operator: Node, name: str) -> Node | None:
    stage = pipe_input(operator)
    while stage is not None and stage.kind == "PipeExpression":
        before = stage.get("Expression")
        if before is None:
            return None
        if name in before.column_names and name not in stage.column_names:
            return stage.get("Operator")
        stage = before
    return None


# -- KQR006 ----------------------------------------------------------------------------------------------
@rule(
    "KQR006",
    "output-column-missing",
    "Entity mappings, custom details and alert placeholders must name columns of the query's output.",
    Severity.error,
    query_only=False,
)
def output_column_missing(context: RuleContext) -> Iterator[Hit]:
    columns = context.analysis.result_columns
    if columns is None or context.analysis.errors or not context.unit.column_uses:
        return
    names = {column.name for column in columns}
    for use in context.unit.column_uses:
        if use.column not in names:
            shown = ", ".join(sorted(names)) if len(names) <= 12 else f"{len(names)} columns"
            yield Hit(
                f"{use.what} names column '{use.column}', which the query does not output ({shown})",
                location=use.location,
            )


# -- KQR007 ----------------------------------------------------------------------------------------------
@rule(
    "KQR007",
    "join-kind-unstated",
    "A join without kind= is innerunique: it silently keeps one row per left key.",
    Severity.warning,
)
def join_kind_unstated(context: RuleContext) -> Iterator[Hit]:
    for join in context.root.find("JoinOperator"):
        if "kind" not in named_parameters(join):
            keyword = join.children[0] if join.children else join
            yield Hit(
                "state the join kind (kind=inner, kind=leftouter, ...); the default innerunique "
                "deduplicates the left side",
                keyword.start,
                keyword.end,
            )


# -- KQR008 ----------------------------------------------------------------------------------------------
@rule(
    "KQR008",
    "lookback-shorter-than-period",
    "A time filter narrower than the detection's period ignores part of the data each run reads.",
    Severity.warning,
    query_only=False,
)
def lookback_shorter_than_period(context: RuleContext) -> Iterator[Hit]:
    period = context.unit.period
    if period is None:
        return
    # A query that covers its period somewhere (a baseline) and narrows elsewhere (recent) means it.
    if any(lookback.span >= period for lookback in context.lookbacks):
        return
    for lookback in context.lookbacks:
        if lookback.span < period:
            yield Hit(
                f"ago({format_timespan(lookback.span)}) looks back less than the detection's period "
                f"({format_timespan(period)})",
                lookback.start,
                lookback.end,
            )


def lookbacks(tree: Node) -> list[Lookback]:
    """Every `ago(<timespan>)` that is a time filter's lower bound (KQR008 compares them with the unit's
    period; they depend on the query alone, so lint caches them)."""
    lets = _timespan_lets(tree)
    found = []
    for call in tree.find("FunctionCallExpression"):
        if call.symbol == ("ago", "Function") and _is_lower_bound(call):
            span = _timespan_value(_first_argument(call), lets)
            if span is not None:
                found.append(Lookback(call.start, call.end, span))
    return found


def _is_lower_bound(call: Node) -> bool:
    parent = call.parent
    if parent is None:
        return False
    if parent.kind in ("GreaterThanExpression", "GreaterThanOrEqualExpression"):
        return call.field == "Right"
    if parent.kind in ("LessThanExpression", "LessThanOrEqualExpression"):
        return call.field == "Left"
    return parent.kind == "ExpressionCouple" and call.field == "First"


def _first_argument(call: Node) -> Node | None:
    arguments = call.get("ArgumentList")
    expressions = arguments.get("Expressions") if arguments else None
    element = expressions.children[0] if expressions and expressions.children else None
    return element.children[0] if element and element.children else None


def _timespan_lets(tree: Node) -> dict[str, Node]:
    found = {}
    for statement in tree.find("LetStatement"):
        name, value = statement.get("Name"), statement.get("Expression")
        if name is not None and value is not None:
            found[name.name() or ""] = value
    return found


def _timespan_value(node: Node | None, lets: dict[str, Node]) -> timedelta | None:
    if node is None:
        return None
    if node.kind == "NameReference" and node.symbol and node.symbol[1] == "Variable":
        node = lets.get(node.symbol[0])
        if node is None:
            return None
    if node.kind != "TimespanLiteralExpression":
        return None
    token = next(node.tokens(), None)
    try:
        return parse_timespan(token.token or "") if token else None
    except TimespanError:
        return None


# -- KQR009 ----------------------------------------------------------------------------------------------
@rule(
    "KQR009",
    "declared-tables-differ",
    "`tables:` in the metadata is what export derives Sentinel's data connectors from; it must "
    "name exactly the tables the query reads.",
    Severity.warning,
    query_only=False,
)
def declared_tables_differ(context: RuleContext) -> Iterator[Hit]:
    declared = context.unit.declared_tables
    if declared is None:
        return
    # Table names are case-sensitive in KQL (https://learn.microsoft.com/kusto/query/schema-entities/
    # entity-names); a casing difference is a different table.
    read = list(dict.fromkeys(context.analysis.tables))
    unread = [name for name in declared if name not in read]
    undeclared = [name for name in read if name not in declared]
    where = context.unit.tables_location
    if undeclared:
        yield Hit(
            f"the query reads {', '.join(undeclared)}, which `tables:` does not list "
            f"(it lists {', '.join(declared)})",
            location=where,
        )
    if unread:
        yield Hit(f"`tables:` lists {', '.join(unread)}, which the query does not read", location=where)


# -- KQR020 ----------------------------------------------------------------------------------------------
@rule(
    "KQR020",
    "unknown-watchlist",
    "`_GetWatchlist('alias')` names a watchlist the repository's watchlists/ folder does not define.",
    Severity.error,
)
def unknown_watchlist(context: RuleContext) -> Iterator[Hit]:
    function = context.schemas.functions.get("_GetWatchlist")
    if function is None or function.body is None:
        return  # no watchlists/ folder: the workspace's watchlists are not known here
    aliases = {name.lower() for name in context.schemas.data}
    for call in context.root.find("FunctionCallExpression"):
        if call.symbol is None or call.symbol[0] != "_GetWatchlist":
            continue
        argument = _first_argument(call)
        alias = _string_literal(argument) if argument is not None else None
        if alias is not None and alias.lower() not in aliases:
            yield Hit(
                f"no watchlist {alias!r}: add watchlists/{alias}.csv (known: {', '.join(sorted(aliases))})",
                call.start,
                call.end,
            )
