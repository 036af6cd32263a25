"""How the emulated services validate a rule's query: Microsoft's Kusto analyzer over the built-in table
schemas, standing in for the workspace's own (Sentinel validates every query; Monitor does when
`skipQueryValidation` is false)."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from kqlrules.deploy.emulator.validation import QueryInfo
from kqlrules.errors import KqlrulesError
from kqlrules.kusto import Node, SchemaSet, shared_analyzer


def analyzer_validation(schemas: SchemaSet | None = None) -> Callable[[str], QueryInfo]:
    """A query check for the emulator; where the analyzer cannot run, queries are taken unchecked."""
    bound = schemas or SchemaSet.builtin()

    @lru_cache(maxsize=512)
    def check(query: str) -> QueryInfo:
        try:
            analysis = shared_analyzer().analyze(query, bound, tree=True)
        except KqlrulesError:
            return QueryInfo()
        errors = tuple(f"line {d.line}, col {d.col}: {d.message}" for d in analysis.syntax_errors)
        columns = None
        if not analysis.errors and analysis.result_columns is not None:
            columns = frozenset(c.name for c in analysis.result_columns)
        operators: set[str] = set()
        functions: set[str] = set()
        if analysis.tree is not None:
            root = Node.build(analysis.tree)
            for node in root.walk():
                if node.kind.endswith("Operator"):
                    operators.add(node.kind.removesuffix("Operator").lower())
                elif node.kind == "FunctionCallExpression":
                    name = node.symbol[0] if node.symbol else node.name()
                    if name:
                        functions.add(name.lower())
        return QueryInfo(errors, columns, frozenset(operators), frozenset(functions))

    return check
