"""One query -> one DuckDB statement: `let` bindings, then the query's expression, one CTE per pipe stage."""

from __future__ import annotations

from dataclasses import dataclass

from kqlrules.engine.context import Row
from kqlrules.engine.errors import KqlSemanticError, KqlSyntaxError
from kqlrules.engine.external import ExternalData
from kqlrules.engine.guards import Guard
from kqlrules.engine.relation import ORDER, Relation
from kqlrules.engine.row_sources import row_sources
from kqlrules.engine.sql import quote_identifier
from kqlrules.engine.translator import BaseTable, Translator, kusto_type
from kqlrules.engine.types import normalise_type
from kqlrules.kusto import Analysis, Node, contradicts_reference
from kqlrules.table import Column


@dataclass(frozen=True)
class Plan:
    """A translated query: its SQL, its output columns, and whether it needs the `$now` parameter."""

    sql: str
    columns: list[Column]
    uses_now: bool
    tables: tuple[str, ...]
    guards: tuple[Guard, ...] = ()
    # The tables the result's rows come from: when none of them has a row, neither has the result (None:
    # not known; `kqlrules.engine.row_sources`).
    row_sources: frozenset[str] | None = None


def check(analysis: Analysis, root: Node | None = None) -> None:
    for diagnostic in analysis.syntax_errors:
        raise KqlSyntaxError(diagnostic.message, diagnostic.line, diagnostic.col)
    for diagnostic in analysis.errors:
        if root is not None and contradicts_reference(diagnostic, root):  # kqlrules.kusto.overrides
            continue
        raise KqlSemanticError(diagnostic.message, diagnostic.line, diagnostic.col, code=diagnostic.code)


def plan(
    analysis: Analysis,
    tables: dict[str, BaseTable],
    external: ExternalData | None = None,
    *,
    windowed: bool = False,
    ingestion_tables: frozenset[str] = frozenset(),
) -> Plan:
    """With `windowed`, every table with a `TimeGenerated` column is limited to the rows of
    [`$span_start`, `$span_end`), parameters given when the plan runs. The `ingestion_tables`, where the
    query names them, are limited to the rows ingested in [`$ingest_start`, `$ingest_end`)."""
    if analysis.tree is None:
        check(analysis)
        raise ValueError("the analysis has no tree")
    root = Node(analysis.tree)
    check(analysis, root)
    translator = Translator(
        analysis.text, tables, external, windowed=windowed, ingestion_tables=ingestion_tables
    )
    unknown = sorted(ingestion_tables - set(tables))
    if unknown:
        raise translator.position.unsupported(f"an ingestion scope over {', '.join(unknown)}, not loaded")
    result: Node | None = None
    for statement in root.elements("Statements"):
        if statement.kind == "LetStatement":
            translator.bind_let(statement)
        elif statement.kind == "PatternStatement":
            translator.bind_pattern(statement)
        elif statement.kind == "QueryParametersStatement":
            translator.bind_query_parameters(statement)
        elif statement.kind == "SetOptionStatement":
            translator.set_option(statement)
        elif statement.kind == "ExpressionStatement":
            if result is not None:
                raise translator.position.unsupported("several result tables in one query", statement)
            result = statement.get("Expression")
        else:
            raise translator.position.unsupported(statement.kind, statement)
    if result is None:
        raise KqlSemanticError("the query has no expression to return")
    if result.type == "group":
        raise translator.position.unsupported("several result tables (fork, facet)", result)
    if result.columns is None:
        # A bare scalar statement returns a one-row, one-column table, like `print`.
        value = translator.expr(result, Row.empty())
        name = "print_0"
        columns = [Column(name, kusto_type(result))]
        relation = translator.ctes.add(f"SELECT {value.text} AS {quote_identifier(name)}", columns)
    else:
        relation = translator.tabular(result)
    columns = _output_columns(analysis, relation)
    select = ", ".join(quote_identifier(c.name) for c in relation.columns) or "NULL AS __kql_empty"
    final = f"SELECT {select} FROM {relation.name}" + (f" ORDER BY {ORDER}" if relation.ordered else "")
    sql = translator.ctes.render(final)
    # A translation may ask for `now` and then not use it (a constant folded away): look at the text.
    guards = tuple(guard.rendered(translator.ctes.render(guard.sql)) for guard in translator.guards)
    return Plan(sql, columns, "$now" in sql, tuple(sorted(translator.used_tables)), guards, row_sources(root))


def _output_columns(analysis: Analysis, relation: Relation) -> list[Column]:
    """The analyzer's types, under the engine's names: the engine names columns as the analyzer does, except
    where Kusto itself differs from the analyzer (union's `x_long1`, covariance's `covariance_x_y`)."""
    if analysis.result_columns is None or len(analysis.result_columns) != len(relation.columns):
        return relation.columns
    return [
        Column(mine.name, normalise_type(theirs.type))
        for mine, theirs in zip(relation.columns, analysis.result_columns, strict=True)
    ]
