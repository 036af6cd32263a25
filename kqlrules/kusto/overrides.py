"""Analyzer errors that contradict the Kusto reference, which the local engine and lint both set aside.

One today: the analyzer's signature of todynamic() and toobject() takes a string only, but the reference
documents both as deprecated aliases of parse_json(), of whose argument it says "if json is of type dynamic,
its value is used as-is" (learn.microsoft.com/kusto/query/parse-json-function); the analyzer accepts
parse_json(dynamic) itself. Its "string expected" on a dynamic argument of the aliases is set aside.
"""

from __future__ import annotations

from kqlrules.kusto.analysis import Diagnostic
from kqlrules.kusto.tree import Node

_PARSE_JSON_ALIASES = frozenset({"todynamic", "toobject"})
_STRING_EXPECTED = "A value of type string expected."


def contradicts_reference(diagnostic: Diagnostic, root: Node) -> bool:
    """Whether `diagnostic` is an analyzer error the reference contradicts (see the module's docstring)."""
    if diagnostic.message != _STRING_EXPECTED:
        return False
    for call in root.find("FunctionCallExpression"):
        name = call.get("Name")
        arguments = call.arguments()
        if (
            name is not None
            and name.name() in _PARSE_JSON_ALIASES
            and len(arguments) == 1
            and arguments[0].start == diagnostic.start
            and arguments[0].type == "dynamic"
        ):
            return True
    return False
