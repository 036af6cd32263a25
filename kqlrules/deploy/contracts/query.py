"""The facts about a rendered query that the contracts need, from Microsoft's Kusto analyzer.

The services validate the query when a rule is saved (Sentinel always; Azure Monitor because kqlrules sends
`skipQueryValidation: false`), so a query that does not parse, or an alert that names a column the query does
not output, is refused by Azure; the analyzer lets us refuse it first.
"""

from __future__ import annotations

from kqlrules.deploy.contracts.violation import QueryFacts
from kqlrules.errors import KqlrulesError
from kqlrules.kusto import Node, SchemaSet, shared_analyzer


def query_facts(query: str, schemas: SchemaSet) -> QueryFacts:
    """Syntax errors, output columns (when the query binds) and the operators and functions it uses.

    When the analyzer cannot run here, nothing is known (QueryFacts()) and rules that need it are skipped.
    """
    try:
        analysis = shared_analyzer().analyze(query, schemas, tree=True)
    except KqlrulesError:
        return QueryFacts()
    syntax = tuple(f"{d.line}:{d.col}: {d.message}" for d in analysis.syntax_errors)
    columns = None
    if not analysis.errors and analysis.result_columns is not None:
        columns = frozenset(column.name for column in analysis.result_columns)
    operators: set[str] = set()
    functions: set[str] = set()
    if analysis.tree is not None:
        root = Node.build(analysis.tree)
        operators = {
            kind.removesuffix("Operator").lower() for kind in root.index or {} if kind.endswith("Operator")
        }
        for call in root.find("FunctionCallExpression"):
            name = call.symbol[0] if call.symbol else call.name()
            if name:
                functions.add(name.lower())
    return QueryFacts(columns, syntax, frozenset(operators), frozenset(functions))
