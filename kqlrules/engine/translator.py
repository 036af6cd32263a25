"""Translate the analyzer's typed tree into one DuckDB statement: scalar expressions here, tabular operators
in `kqlrules.engine.operators` (one module per family, each a table keyed by SyntaxKind).

Dispatch order for calls and binary operators: the engine's own context-dependent constructs (`toscalar`,
`column_ifexists`, `prev`...), then the function library's registries, then the engine's small fallbacks.

List-taking operators (`in`, `!in`, `in~`, `!in~`, `has_any`, `has_all`) reach the library with a right-hand
`Sql` whose text is a DuckDB LIST, whose type is the element type and whose `value` is the list of element
`Sql`s when every element is a literal.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kqlrules.engine import fallbacks, literals, patterns
from kqlrules.engine.context import Binding, Ctes, Position, Row, Scope
from kqlrules.engine.external import Empty, ExternalData
from kqlrules.engine.functions.parsing import parse_timespan_ticks
from kqlrules.engine.functions.registry import AGGREGATES, BINARY_OPERATORS, SCALARS, Call
from kqlrules.engine.literals import from_analyzer
from kqlrules.engine.names import name_text
from kqlrules.engine.relation import ORDER, Relation
from kqlrules.engine.sql import Sql, constant_json_path, quote_identifier, quote_string
from kqlrules.engine.tree import Expansion, Node
from kqlrules.engine.types import DUCKDB_TYPES, normalise_type
from kqlrules.engine.windows import WINDOW_CALLS, row_number_restarting
from kqlrules.table import Column

LITERAL_KINDS = frozenset(
    {
        "StringLiteralExpression",
        "CompoundStringLiteralExpression",
        "LongLiteralExpression",
        "IntLiteralExpression",
        "RealLiteralExpression",
        "DecimalLiteralExpression",
        "BooleanLiteralExpression",
        "DateTimeLiteralExpression",
        "TimespanLiteralExpression",
        "GuidLiteralExpression",
        "DynamicExpression",
    }
)
LIST_OPERATORS = frozenset(
    {
        "InExpression",
        "NotInExpression",
        "InCsExpression",
        "NotInCsExpression",
        "HasAnyExpression",
        "HasAllExpression",
    }
)


TIME_COLUMN = "TimeGenerated"


def kusto_type(node: Node) -> str:
    return normalise_type(node.type)


@dataclass(frozen=True)
class BaseTable:
    name: str
    columns: list[Column]


class Translator:
    """One query's translation. Implements the function library's `TranslationContext`."""

    def __init__(
        self,
        text: str,
        tables: dict[str, BaseTable],
        external: ExternalData | None = None,
        *,
        windowed: bool = False,
    ) -> None:
        self.text = text
        # A windowed query sees only the rows of [$span_start, $span_end) of every table with a time column,
        # as a Log Analytics query with a `timespan` does.
        self.windowed = windowed
        self.tables = tables
        self.external = external or ExternalData()
        self.position = Position(text)
        self.ctes = Ctes()
        self.scope = Scope()
        self.uses_now = False
        self.used_tables: set[str] = set()
        self.patterns: dict[str, patterns.Pattern] = {}  # `declare pattern` statements by name
        # (SQL counting rows the plan cannot answer for, construct, line, col): checked before running.
        self.guards: list[tuple[str, str, int, int]] = []
        # The request properties the query sets (`set query_bin_auto_size=1h;`): their value expressions,
        # translated only by a function that reads them.
        self.options: dict[str, Node] = {}

    # -- TranslationContext ----------------------------------------------------------------------
    @property
    def now(self) -> Sql:
        self.uses_now = True
        return Sql("CAST($now AS TIMESTAMP)", "datetime")

    def unsupported(self, what: str) -> Exception:
        return self.position.unsupported(what)

    def error(self, message: str) -> Exception:
        return self.position.semantic(message)

    # -- scalar expressions ------------------------------------------------------------------------
    def expr(self, node: Node, row: Row) -> Sql:
        if node.kind in LITERAL_KINDS:
            return self._literal(node)
        handler = _EXPRESSIONS.get(node.kind)
        if handler is not None:
            return handler(self, node, row)
        if (
            node.get("Left") is not None
            and node.get("Right") is not None
            and node.get("Operator") is not None
        ):
            return self._binary(node, row)
        raise self.position.unsupported(_describe(node), node)

    def _literal(self, node: Node) -> Sql:
        if node.kind == "DynamicExpression":
            inner = node.get("Expression")
            if inner is None:
                raise self.position.unsupported(f"the literal {self.source(node)}", node)
            return literals.dynamic(self.json_value(inner))
        try:
            result = from_analyzer(node.kind, node.value, kusto_type(node))
        except (ValueError, TypeError):
            raise self.position.unsupported(f"the literal {self.source(node)}", node) from None
        if node.kind == "DateTimeLiteralExpression" and result.value is not None:
            if result.value == _UNREAD_DATETIME and not _MIN_DATETIME_TEXT.search(self.source(node)):
                # The analyzer's value for a literal it could not read (`datetime(2017 - 08 - 01)`).
                raise self.position.unsupported(f"the literal {self.source(node)}", node)
            return self._precise_datetime(node, result)
        if node.kind == "TimespanLiteralExpression":
            return self._clock_timespan(node, result)
        return result

    def _clock_timespan(self, node: Node, analyzed: Sql) -> Sql:
        """The analyzer exports `time(29.09:00:05.12345)` and the other clock forms as 0: read them here."""
        text = self.source(node)
        days = _DAYS_TIMESPAN.fullmatch(text)
        if days is not None:  # time(2) is two days, as the reference lists
            return literals.ticks(int(days.group(1)) * 864_000_000_000)
        if _NUMBER_TIMESPAN.fullmatch(text):
            raise self.position.unsupported(f"the literal {text} (a number of days not documented)", node)
        clock = _CLOCK_TIMESPAN.fullmatch(text)
        if clock is None:
            return analyzed
        value = parse_timespan_ticks(clock.group(1))
        fraction = clock.group(1).split(":")[-1].partition(".")[2]
        if value is None or len(fraction) > 7:  # finer than a tick
            raise self.position.unsupported(f"the literal {text}", node)
        return literals.ticks(value)

    def _precise_datetime(self, node: Node, analyzed: Sql) -> Sql:
        """The analyzer exports datetimes to the millisecond: read the microseconds from the literal's text,
        and refuse a fraction finer than the engine's microsecond (rounding it would change answers)."""
        text = self.source(node)
        fraction = _DATETIME_FRACTION.search(text)
        if fraction is None:
            return analyzed
        digits = fraction.group(1)
        if digits[6:].strip("0"):
            raise self.position.unsupported(
                f"the literal {text} (finer than the microsecond the local engine keeps)", node
            )
        assert isinstance(analyzed.value, datetime)
        micro = int(digits[:6].ljust(6, "0"))
        if analyzed.value.microsecond // 1000 != micro // 1000:
            return analyzed  # not the plain form read here
        return literals.timestamp(analyzed.value.replace(microsecond=micro))

    def json_value(self, node: Node) -> Any:
        """The Python value of a literal inside `dynamic(...)`."""
        if node.kind == "JsonArrayExpression":
            return [self.json_value(item) for item in node.elements("Values")]
        if node.kind == "JsonObjectExpression":
            result: dict[str, Any] = {}
            for pair in node.elements("Pairs"):
                name, value = pair.get("Name"), pair.get("Value")
                if name is None or value is None:
                    raise self.position.unsupported("this dynamic object", pair)
                result[name_text(name)] = self.json_value(value)
            return result
        if node.kind == "NullLiteralExpression":
            return None
        if node.kind == "DynamicExpression" and node.get("Expression") is not None:
            # dynamic({...}) nested in a dynamic literal is the same value.
            return self.json_value(_only(node, "Expression"))
        if node.kind in (
            "StringLiteralExpression",
            "CompoundStringLiteralExpression",
            "LongLiteralExpression",
            "IntLiteralExpression",
        ):
            return self._literal(node).value
        if node.kind in ("RealLiteralExpression", "BooleanLiteralExpression"):
            return self._literal(node).value
        if node.kind == "UnaryMinusExpression":
            inner = node.get("Expression")
            value = self.json_value(inner) if inner is not None else None
            if isinstance(value, int | float) and not isinstance(value, bool):
                return -value
        raise self.position.unsupported(f"the value {self.source(node)} inside dynamic()", node)

    def source(self, node: Node) -> str:
        """The text of `node`: sliced from the query, or rebuilt from its tokens inside a function body (whose
        offsets do not index any text the engine holds)."""
        if self.position.fixed is None:
            return self.text[node.start : node.end]
        parts: list[str] = []
        for token in (n.token or "" for n in node.walk() if n.is_token):
            if parts and parts[-1][-1:].isalnum() and token[:1].isalnum():
                parts.append(" ")
            parts.append(token)
        return "".join(parts)

    def _name_reference(self, node: Node, row: Row) -> Sql:
        symbol = node.symbol
        name = name_text(node)
        if symbol is None or symbol[1] == "Column":
            found = row.columns.get(name)
            if found is not None:
                return found
            if symbol is None:
                raise self.position.unsupported(f"the name {name}", node)
            raise self.position.semantic(f"column {name} is not available here", node)
        if symbol[1] in ("Variable", "Parameter"):
            binding = self.scope.find(name)
            if binding is None:
                raise self.position.semantic(f"{name} is not defined", node)
            return self.scalar_binding(name, binding, node)
        raise self.position.unsupported(f"{symbol[1].lower()} {name} used as a scalar", node)

    def scalar_binding(self, name: str, binding: Binding, at: Node) -> Sql:
        if binding.scalar is not None:
            return binding.scalar
        if binding.relation is not None or binding.node is None:
            raise self.position.unsupported(f"the tabular value {name} used as a scalar", at)
        if binding.busy:
            raise self.position.semantic(f"{name} refers to itself", at)
        binding.busy = True
        saved = self._enter(binding)
        try:
            binding.scalar = self.expr(binding.node, Row.empty())
        finally:
            self._leave(saved)
            binding.busy = False
        return binding.scalar

    def _enter(self, binding: Binding) -> tuple[Scope, str, Position]:
        saved = (self.scope, self.text, self.position)
        self.scope = binding.scope or self.scope
        self.text = binding.text if binding.text is not None else self.text
        self.position = binding.position or self.position
        return saved

    def _leave(self, saved: tuple[Scope, str, Position]) -> None:
        self.scope, self.text, self.position = saved

    def _parenthesized(self, node: Node, row: Row) -> Sql:
        inner = self.expr(_only(node, "Expression"), row)
        return Sql(f"({inner.text})", inner.type, inner.constant, inner.value)

    def _unary_minus(self, node: Node, row: Row) -> Sql:
        inner = self.expr(_only(node, "Expression"), row)
        if inner.constant and isinstance(inner.value, int | float) and not isinstance(inner.value, bool):
            value = -inner.value
            return Sql(f"CAST({value!r} AS {DUCKDB_TYPES[inner.type]})", inner.type, True, value)
        return Sql(f"(-{inner.text})", inner.type)

    def _unary_plus(self, node: Node, row: Row) -> Sql:
        return self.expr(_only(node, "Expression"), row)

    def _binary(self, node: Node, row: Row) -> Sql:
        left_node, right_node = node.get("Left"), node.get("Right")
        assert left_node is not None and right_node is not None
        if node.kind in LIST_OPERATORS:
            left = self.expr(left_node, row)
            right = self.list_operand(right_node, row, left.type)
        else:
            left, right = self.expr(left_node, row), self.expr(right_node, row)
        translator = BINARY_OPERATORS.get(node.kind) or fallbacks.BINARY.get(node.kind)
        if translator is None:
            if node.kind in LIST_OPERATORS:
                return self._list_fallback(node, left, right)
            raise self.position.unsupported(f"the operator {_operator_text(node)}", node)
        self.position.node = node
        result = translator(self, left, right, node.kind)
        return _typed(result, node)

    def list_operand(self, node: Node, row: Row, element_type: str) -> Sql:
        """The right side of `in`/`has_any`: a DuckDB LIST (see the module docstring)."""
        items = node.arguments() if node.kind == "ExpressionList" else [node]
        if len(items) == 1 and kusto_type(items[0]) in ("table", "unknown") and items[0].columns:
            relation = self.tabular(items[0])
            first = relation.columns[0]
            return Sql(f"ARRAY(SELECT {quote_identifier(first.name)} FROM {relation.name})", first.type)
        parts: list[str] = []
        values: list[Sql] = []
        element = element_type
        for item in items:
            if kusto_type(item) in ("table",) or item.columns:
                raise self.position.unsupported("a tabular expression among the values of a list", item)
            sql = self.expr(item, row)
            if sql.type == "dynamic":
                # A dynamic array's elements join the list (as the left side's type; JSON if it is dynamic).
                duck = DUCKDB_TYPES.get(element_type, "VARCHAR")
                parts.append(f"coalesce(TRY_CAST({sql.text} AS {duck}[]), [])")
                values = []
                continue
            values.append(sql)
            parts.append(f"[{sql.text}]")
            element = sql.type if element == "unknown" else element
        text = " || ".join(parts) if parts else "[]"
        all_constant = bool(values) and len(values) == len(items) and all(v.constant for v in values)
        return Sql(f"({text})", element, all_constant, values if all_constant else None)

    def _list_fallback(self, node: Node, left: Sql, right: Sql) -> Sql:
        if node.kind in ("HasAnyExpression", "HasAllExpression"):
            raise self.position.unsupported(f"the operator {_operator_text(node)}", node)
        insensitive = "~" in _operator_text(node)
        if left.type == "dynamic":
            raise self.position.unsupported(f"{_operator_text(node)} with a dynamic value on the left", node)
        if insensitive:
            if left.type != "string":
                raise self.position.unsupported(f"in~ on {left.type}", node)
            test = f"list_contains(list_transform({right.text}, lambda x: lower(x)), lower({left.text}))"
        else:
            test = f"list_contains({right.text}, {left.text})"
        negated = _operator_text(node).startswith("!")
        return Sql(f"(NOT coalesce({test}, FALSE))" if negated else f"coalesce({test}, FALSE)", "bool")

    def _between(self, node: Node, row: Row) -> Sql:
        left = self.expr(_only(node, "Left"), row)
        couple = _only(node, "Right")
        low = self.expr(_only(couple, "First"), row)
        high = self.expr(_only(couple, "Second"), row)
        translator = BINARY_OPERATORS.get(node.kind)
        if translator is not None:
            self.position.node = node
            pair = Sql(f"[{low.text}, {high.text}]", low.type, low.constant and high.constant, [low, high])
            return _typed(translator(self, left, pair, node.kind), node)
        if left.type == "datetime" and high.type == "timespan":
            high = Sql(f"({low.text} + to_microseconds(CAST({high.text} // 10 AS BIGINT)))", "datetime")
        elif left.type != low.type and not {left.type, low.type} <= {"long", "int", "real"}:
            raise self.position.unsupported(f"between on {left.type}", node)
        test = f"({left.text} BETWEEN {low.text} AND {high.text})"
        return Sql(f"(NOT {test})" if node.kind == "NotBetweenExpression" else test, "bool")

    def _path(self, node: Node, row: Row) -> Sql:
        target = _only(node, "Expression")
        selector = _only(node, "Selector")
        element = row.tuples.get(name_text(target)) if target.kind == "NameReference" else None
        if element is not None:
            return self._name_reference(selector, element)
        if target.symbol and target.symbol[1] == "Tuple":
            side = (target.token or name_text(target)).lower()
            side_row = row.sides.get(side) or row.sides.get(self.source(target).lower())
            if side_row is None:
                raise self.position.unsupported(f"{self.source(target)} outside a join condition", target)
            return self._name_reference(selector, side_row)
        base = self.expr(target, row)
        if base.type != "dynamic":
            raise self.position.unsupported(f"member access on {base.type}", node)
        return self.dynamic_member(base, name_text(selector))

    def dynamic_member(self, base: Sql, key: str | int) -> Sql:
        if isinstance(key, int):
            step = f"[{key}]" if key >= 0 else f"[#-{-key}]"
        else:
            step = "." + '"' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'
        nested = constant_json_path(base.text)
        if nested and "'" not in step:
            # d.a.b is one JSON path, not a chain of extractions.
            return Sql(f"json_extract({nested[0]}, '{nested[1]}{step}')", "dynamic")
        return Sql(f"json_extract({base.text}, {quote_string('$' + step)})", "dynamic")

    def _element(self, node: Node, row: Row) -> Sql:
        base = self.expr(_only(node, "Expression"), row)
        selector = _only(node, "Selector")
        inner = _only(selector, "Expression") if selector.kind == "BracketedExpression" else selector
        key = self.expr(inner, row)
        if base.type != "dynamic":
            raise self.position.unsupported(f"indexing into {base.type}", node)
        if key.constant and isinstance(key.value, str | int) and not isinstance(key.value, bool):
            return self.dynamic_member(base, key.value)
        if key.type == "string":
            path = f"'$.\"' || replace({key.text}, '\"', '\\\"') || '\"'"
        elif key.type in ("long", "int"):
            index = key.text
            path = f"CASE WHEN {index} >= 0 THEN '$[' || {index} || ']' ELSE '$[#' || {index} || ']' END"
        else:
            raise self.position.unsupported(f"indexing with {key.type}", node)
        return Sql(f"json_extract({base.text}, {path})", "dynamic")

    def _type_of(self, node: Node, row: Row) -> Sql:
        """`typeof(string)` as an argument (extractjson, extract...): a constant naming the type."""
        return Sql("NULL", "type", True, kusto_type(node) if node.symbol is None else node.symbol[0])

    def _brackets(self, node: Node, row: Row) -> Sql:
        return self.expr(_only(node, "Expression"), row)

    def _to_scalar(self, node: Node, row: Row) -> Sql:
        inner = _only(node, "Expression")
        if inner.columns is None and kusto_type(inner) not in ("table", "unknown"):
            return self.expr(inner, Row.empty())  # a scalar is its own scalar value
        relation = self.tabular(inner)
        if not relation.columns:
            raise self.position.semantic("toscalar() of a table without columns", node)
        first = relation.columns[0]
        order = f" ORDER BY {ORDER}" if relation.ordered else ""
        column = quote_identifier(first.name)
        text = f"(SELECT {column} FROM {relation.name}{order} LIMIT 1)"
        if first.type == "string":
            text = f"coalesce({text}, '')"
        return Sql(text, normalise_type(first.type))

    def _call(self, node: Node, row: Row) -> Sql:
        name_node = node.get("Name")
        name = name_text(name_node) if name_node is not None else ""
        expansion = node.expansion
        if expansion is not None:
            result = self.call_user_function(node, expansion, row)
            if isinstance(result, Relation):
                raise self.position.unsupported(f"the tabular function {name} used as a scalar", node)
            return result
        special = row.calls.get(name) or _SPECIAL_CALLS.get(name)
        if special is not None:
            return special(self, node, row)
        arg_nodes = node.arguments()
        args: list[Sql] = []
        named: dict[str, Sql] = {}
        for arg in arg_nodes:
            if arg.kind == "SimpleNamedExpression":
                named[name_text(_only(arg, "Name"))] = self.expr(_only(arg, "Expression"), row)
            elif arg.kind == "StarExpression":
                raise self.position.unsupported(f"{name}(*)", node)
            else:
                args.append(self.expr(arg, row))
        call = Call(name, args, kusto_type(node), named)
        self.position.node = node
        if row.aggregates and (name in AGGREGATES or name in fallbacks.AGGREGATES):
            aggregate = AGGREGATES.get(name) or fallbacks.AGGREGATES[name]
            return _typed(aggregate(self, call), node)
        scalar = SCALARS.get(name) or fallbacks.SCALARS.get(name)
        if scalar is None:
            if name in AGGREGATES or name in fallbacks.AGGREGATES:
                raise self.position.semantic(f"the aggregate {name}() is only allowed in summarize", node)
            raise self.position.unsupported(f"the function {name}()", node)
        return _typed(scalar(self, call), node)

    def call_scalar(self, name: str, args: list[Sql], result_type: str, at: Node) -> Sql:
        """A library scalar function applied to already translated arguments."""
        scalar = SCALARS.get(name) or fallbacks.SCALARS.get(name)
        if scalar is None:
            raise self.position.unsupported(f"the function {name}()", at)
        self.position.node = at
        result = scalar(self, Call(name, args, result_type))
        return Sql(result.text, result_type, result.constant, result.value)

    def call_user_function(
        self, node: Node, expansion: Expansion, row: Row, piped: Relation | None = None
    ) -> Sql | Relation:
        params = list(expansion.params)
        scope = Scope(parent=self.scope)
        if piped is not None and params:
            scope.names[params[0][0]] = Binding(relation=piped)
            params = params[1:]
        positional: list[Node] = []
        named: dict[str, Node] = {}
        for arg in node.arguments() if node.kind == "FunctionCallExpression" else []:
            if arg.kind == "SimpleNamedExpression":
                named[name_text(_only(arg, "Name"))] = _only(arg, "Expression")
            else:
                positional.append(arg)
        defaults: list[tuple[str, Node]] = []
        for index, (param, default) in enumerate(params):
            given: Node | None = positional[index] if index < len(positional) else named.get(param)
            if given is not None:
                if given.columns is not None and kusto_type(given) not in ("dynamic",):
                    scope.names[param] = Binding(relation=self.tabular(given))
                else:
                    scope.names[param] = Binding(scalar=self.expr(given, row))
            elif default is not None:
                defaults.append((param, default))
            else:
                raise self.position.unsupported(
                    f"calling {name_text(node)} without its parameter {param}", node
                )
        saved = (self.scope, self.text, self.position)
        self.position = Position(expansion.text or "", fixed=saved[2].at(node))
        self.scope = scope
        try:
            for param, default in defaults:
                scope.names[param] = Binding(scalar=self.expr(default, Row.empty()))
            return self.body(expansion.body, row)
        finally:
            self.scope, self.text, self.position = saved

    def body(self, body: Node, row: Row) -> Sql | Relation:
        """A function body or query block: its `let` statements, then its one expression."""
        expression: Node | None = body.get("Expression")
        for statement in body.elements("Statements"):
            if statement.kind == "LetStatement":
                self.bind_let(statement)
            elif statement.kind == "ExpressionStatement":
                expression = _only(statement, "Expression")
            else:
                raise self.position.unsupported(_describe(statement), statement)
        if expression is None:
            raise self.position.semantic("the function body has no expression", body)
        if expression.columns is not None and not expression.kind.endswith("LiteralExpression"):
            return self.tabular(expression)
        return self.expr(expression, row)

    def set_option(self, statement: Node) -> None:
        """`set name = value;`: remembered for the functions that read request properties (bin_auto)."""
        name_node = statement.get("Name")
        clause = statement.get("ValueClause")
        value = clause.get("Expression") if clause is not None else None
        if name_node is not None and value is not None:
            self.options[name_text(name_node)] = value

    def bind_query_parameters(self, statement: Node) -> None:
        """`declare query_parameters(...)`: locally, every parameter takes its default value."""
        for parameter in statement.elements("Parameters"):
            declaration = parameter.get("NameAndType")
            name_node = declaration.get("Name") if declaration is not None else None
            default = parameter.get("DefaultValue")
            value = default.get("Value") if default is not None else None
            if name_node is None or value is None:
                raise self.position.unsupported("a query parameter without a default value", parameter)
            self.scope.names[name_text(name_node)] = Binding(
                node=value, scope=self.scope, text=self.text, position=self.position
            )

    def bind_pattern(self, statement: Node) -> None:
        name, declaration = _only(statement, "Name"), _only(statement, "Pattern")
        self.patterns[name_text(name)] = patterns.Pattern(declaration, self.scope, self.text, self.position)

    def bind_let(self, statement: Node) -> None:
        name = name_text(_only(statement, "Name"))
        value = _only(statement, "Expression")
        if value.kind == "FunctionDeclaration":
            return  # calls carry their expansion
        self.scope.names[name] = Binding(node=value, scope=self.scope, text=self.text, position=self.position)

    # -- tabular expressions -----------------------------------------------------------------------
    def tabular(self, node: Node, source: Relation | None = None) -> Relation:
        result = self.tabular_or_graph(node, source)
        if result.is_graph:
            raise self.position.unsupported("a graph where a table is expected", node)
        return result

    def tabular_or_graph(self, node: Node, source: Relation | None = None) -> Relation:
        """A tabular expression, or a graph (make-graph), which only graph operators take."""
        from kqlrules.engine.operators import OPERATORS

        if node.kind == "PipeExpression":
            left = self.tabular_or_graph(_only(node, "Expression"), source)
            return self.tabular_or_graph(_only(node, "Operator"), left)
        if node.kind == "ParenthesizedExpression":
            return self.tabular_or_graph(_only(node, "Expression"), source)
        if patterns.is_invocation(node):
            return patterns.invoke(self, node, self.patterns)
        if node.kind in ("FunctionCallExpression", "NameReference") and node.expansion is not None:
            result = self.call_user_function(node, node.expansion, Row.empty(), source)
            if not isinstance(result, Relation):
                raise self.position.unsupported("a scalar function used as a table", node)
            return result
        if node.kind == "NameReference":
            return self.named_relation(node)
        if node.kind == "FunctionCallExpression":
            return self._table_function(node)
        if node.kind == "MaterializeExpression":
            inner = self.tabular(_only(node, "Expression"), source)
            columns = ", ".join([quote_identifier(c.name) for c in inner.columns] + inner.order_column())
            kept = self.ctes.add(f"SELECT {columns} FROM {inner.name}", inner.columns, ordered=inner.ordered)
            self.ctes.materialized.add(kept.name)
            return kept
        handler = OPERATORS.get(node.kind)
        if handler is None:
            raise self.position.unsupported(_describe(node), node)
        if source is not None and source.is_graph and not node.kind.startswith("Graph"):
            raise self.position.unsupported(f"{_describe(node)} over a graph", node)
        self.position.node = node
        return handler(self, node, source)

    def _table_function(self, node: Node) -> Relation:
        name_node = node.get("Name")
        name = name_text(name_node) if name_node is not None else ""
        if name == "table":
            args = node.arguments()
            value = self.expr(args[0], Row.empty()) if args else None
            if value is None or not value.constant or not isinstance(value.value, str):
                raise self.position.unsupported("table() with a computed name", node)
            return self.table(value.value, node)
        raise self.position.unsupported(f"the function {name}() as a table", node)

    def named_relation(self, node: Node) -> Relation:
        name = name_text(node)
        symbol = node.symbol
        if symbol and symbol[1] in ("Variable", "Parameter"):
            binding = self.scope.find(name)
            if binding is None:
                raise self.position.semantic(f"{name} is not defined", node)
            if binding.relation is None:
                if binding.node is None or binding.busy:
                    raise self.position.unsupported(f"the scalar {name} used as a table", node)
                binding.busy = True
                saved = self._enter(binding)
                try:
                    binding.relation = self.tabular_or_graph(binding.node)
                finally:
                    self._leave(saved)
                    binding.busy = False
            return binding.relation
        if symbol and symbol[1] == "Table":
            return self.table(name, node)
        raise self.position.unsupported(f"the name {name} as a table", node)

    def table(self, name: str, node: Node) -> Relation:
        table = self.tables.get(name)
        if table is None:
            raise self.position.semantic(f"the table {name} is not loaded", node)
        self.used_tables.add(table.name)
        relation = Relation(quote_identifier(table.name), list(table.columns), sources=(table.name,))
        if self.windowed and any(c.name == TIME_COLUMN for c in table.columns):
            time = quote_identifier(TIME_COLUMN)
            return self.ctes.add(
                f"SELECT * FROM {relation.name} WHERE {time} >= $span_start AND {time} < $span_end",
                relation.columns,
                sources=relation.sources,
            )
        return relation

    def external_path(self, uri: str, at: Node) -> str | Empty:
        """The local file an `externaldata` URI is read from, or `EMPTY`."""
        found = self.external.resolve(uri)
        if found is None:
            raise self.position.unsupported(
                f"externaldata from {uri} (the local engine reads only local files; map the URL to one)", at
            )
        return found

    def output_columns(self, node: Node) -> list[Column]:
        """The columns the analyzer says `node` produces."""
        columns = node.columns
        if columns is None:
            raise self.position.unsupported(_describe(node), node)
        return [Column(n, normalise_type(t)) for n, t in columns]


def _typed(result: Sql, node: Node) -> Sql:
    expected = kusto_type(node)
    if expected in DUCKDB_TYPES and result.type != expected:
        return Sql(result.text, expected, result.constant, result.value)
    return result


def _only(node: Node, field: str) -> Node:
    child = node.get(field)
    if child is None:
        raise ValueError(f"{node.kind} has no {field}")
    return child


def _operator_text(node: Node) -> str:
    op = node.get("Operator")
    return (op.token or "") if op is not None else node.kind


def _describe(node: Node) -> str:
    kind = node.kind
    for suffix in ("Operator", "Expression", "Statement"):
        if kind.endswith(suffix) and kind != suffix:
            base = kind[: -len(suffix)]
            words = "".join(" " + c.lower() if c.isupper() else c for c in base).strip()
            return f"{words} {suffix.lower()}"
    return kind


def _column_ifexists(t: Translator, node: Node, row: Row) -> Sql:
    args = node.arguments()
    name = t.expr(args[0], Row.empty())
    if not name.constant or not isinstance(name.value, str):
        raise t.position.unsupported("column_ifexists() with a computed column name", node)
    found = row.columns.get(name.value)
    if found is not None:
        return found
    return t.expr(args[1], row)


def _pack_all(t: Translator, node: Node, row: Row) -> Sql:
    """The input row's columns as a bag (not the columns an extend computes before the call, as the
    reference's example shows); with `ignore_null_empty` true, without its null and empty values."""
    args = node.arguments()
    ignore = t.expr(args[0], row) if args else None
    if ignore is not None and (not ignore.constant or not isinstance(ignore.value, bool)):
        raise t.position.unsupported("pack_all() with a computed ignore_null_empty", node)
    pairs: list[Sql] = []
    for column, sql in row.columns.items():
        if row.inputs is not None and column not in row.inputs:
            continue
        if row.inputs is not None and not sql.text.endswith(quote_identifier(column)):
            raise t.position.unsupported(f"pack_all() after {column} is computed again in the operator", node)
        pairs += [Sql(quote_string(column), "string", constant=True, value=column), sql]
    if not pairs:
        return Sql("CAST('{}' AS JSON)", "dynamic")
    if ignore is None or not ignore.value:
        return t.call_scalar("bag_pack", pairs, "dynamic", node)
    # A JSON merge patch drops the keys whose value is null: empty strings are made null first.
    patches = []
    for name, sql in zip(pairs[::2], pairs[1::2], strict=True):
        value = Sql(f"NULLIF({sql.text}, '')", "string") if sql.type == "string" else sql
        patches.append(t.call_scalar("bag_pack", [name, value], "dynamic", node).text)
    return Sql(f"json_merge_patch(CAST('{{}}' AS JSON), {', '.join(patches)})", "dynamic")


def _bag_pack_columns(t: Translator, node: Node, row: Row) -> Sql:
    """bag_pack(name1, column1, name2, column2, ...) with the columns' names taken from the query."""
    args: list[Sql] = []
    for arg in node.arguments():
        if arg.kind != "NameReference":
            raise t.position.unsupported("bag_pack_columns() of an expression that is not a column", arg)
        name = name_text(arg)
        args += [Sql(quote_string(name), "string", constant=True, value=name), t.expr(arg, row)]
    return t.call_scalar("bag_pack", args, "dynamic", node)


def _bin_auto(t: Translator, node: Node, row: Row) -> Sql:
    """bin_at(value, query_bin_auto_size, query_bin_auto_at): the size is required, the fixed point is 0 (or
    the epoch for datetimes) by default."""
    args = node.arguments()
    if len(args) != 1:
        raise t.position.semantic("bin_auto(): expects 1 argument", node)
    size_node = t.options.get("query_bin_auto_size")
    if size_node is None:
        raise t.position.unsupported("bin_auto() without `set query_bin_auto_size`", node)
    size = t.expr(size_node, Row.empty())
    value = t.expr(args[0], row)
    fixed_node = t.options.get("query_bin_auto_at")
    if fixed_node is None:
        return t.call_scalar("bin", [value, size], value.type, node)
    return t.call_scalar("bin_at", [value, size, t.expr(fixed_node, Row.empty())], value.type, node)


_DAYS_TIMESPAN = re.compile(r"\s*(?:time|timespan)\s*\(\s*(\d+)\s*\)\s*")
_NUMBER_TIMESPAN = re.compile(r"\s*(?:time|timespan)\s*\(\s*[-+]?[\d.]+\s*\)\s*")
_CLOCK_TIMESPAN = re.compile(r"\s*(?:time|timespan)\s*\(\s*([-+]?[\d.]*\d:[\d:.]*)\s*\)\s*")
_UNREAD_DATETIME = datetime(1, 1, 1)
_MIN_DATETIME_TEXT = re.compile(r"\(\s*0*1-0?1-0?1\b")
_DATETIME_FRACTION = re.compile(r"\d:\d\d:\d\d\.(\d+)")
WINDOW_MARK = f"OVER (ORDER BY {ORDER})"


def _window(t: Translator, node: Node, row: Row) -> tuple[str, list[Sql]]:
    name = name_text(node.get("Name") or node)
    if row.window is None:
        raise t.position.semantic(f"{name}() needs a serialized input (serialize, sort, top, range...)", node)
    return name, [t.expr(arg, row) for arg in node.arguments()]


def _prev_next(t: Translator, node: Node, row: Row) -> Sql:
    name, args = _window(t, node, row)
    value = args[0]
    offset = args[1].text if len(args) > 1 else "1"
    default = args[2] if len(args) > 2 else None
    func = "lag" if name == "prev" else "lead"
    fallback = default.text if default is not None else ("''" if value.type == "string" else "NULL")
    return Sql(f"{func}({value.text}, {offset}, {fallback}) {WINDOW_MARK}", kusto_type(node))


def _row_number(t: Translator, node: Node, row: Row) -> Sql:
    if len(node.arguments()) > 1:
        return row_number_restarting(t, node, row)
    _, args = _window(t, node, row)
    start = args[0].text if args else "1"
    return Sql(f"(row_number() {WINDOW_MARK} + {start} - 1)", "long")


def _column_names_of(t: Translator, node: Node, row: Row) -> Sql:
    """The names of a tabular expression's columns, which the analyzer knows without running it."""
    args = node.arguments()
    columns = args[0].columns if len(args) == 1 else None
    if columns is None:
        raise t.position.unsupported("column_names_of() of this expression", node)
    return literals.dynamic([name for name, _ in columns])


def _ingestion_time(t: Translator, node: Node, row: Row) -> Sql:
    """A local record has no ingestion latency: its ingestion time is the row's `_IngestionTime` where its
    table declares one (a fixture that needs a delay), else its `TimeGenerated`."""
    for name in ("_IngestionTime", TIME_COLUMN):
        found = row.columns.get(name)
        if found is not None and found.type == "datetime":
            return found
    raise t.position.unsupported("ingestion_time() where the row has no TimeGenerated column", node)


_SPECIAL_CALLS: dict[str, Callable[[Translator, Node, Row], Sql]] = {
    "ingestion_time": _ingestion_time,
    "column_names_of": _column_names_of,
    "column_ifexists": _column_ifexists,
    "columnifexists": _column_ifexists,
    "pack_all": _pack_all,
    "bag_pack_columns": _bag_pack_columns,
    "bin_auto": _bin_auto,
    "prev": _prev_next,
    "next": _prev_next,
    "row_number": _row_number,
    **WINDOW_CALLS,
}

_EXPRESSIONS: dict[str, Callable[[Translator, Node, Row], Sql]] = {
    "NameReference": Translator._name_reference,
    "ParenthesizedExpression": Translator._parenthesized,
    "UnaryMinusExpression": Translator._unary_minus,
    "UnaryPlusExpression": Translator._unary_plus,
    "BetweenExpression": Translator._between,
    "NotBetweenExpression": Translator._between,
    "PathExpression": Translator._path,
    "ElementExpression": Translator._element,
    "BracketedExpression": Translator._brackets,
    "TypeOfLiteralExpression": Translator._type_of,
    "ToScalarExpression": Translator._to_scalar,
    "FunctionCallExpression": Translator._call,
}
