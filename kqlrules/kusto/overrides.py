"""Analyzer errors that contradict the Kusto reference, which the local engine and lint both set aside.

The analyzer's signature of todynamic() and toobject() takes a string only, but the reference
documents both as deprecated aliases of parse_json(), of whose argument it says "if json is of type dynamic,
its value is used as-is" (learn.microsoft.com/kusto/query/parse-json-function); the analyzer accepts
parse_json(dynamic) itself. Its "string expected" on a dynamic argument of the aliases is set aside.

The analyzer also wants an integer for make_timespan()'s seconds, which make-timespan-function.md types
`real` ("A value from 0 to 59.9999999"), its example passing 55.123: that "must be an integer" on the
seconds argument is set aside too.
"""

from __future__ import annotations

from kqlrules.kusto.analysis import Diagnostic
from kqlrules.kusto.tree import Node

_PARSE_JSON_ALIASES = frozenset({"todynamic", "toobject"})
_STRING_EXPECTED = "A value of type string expected."
_INTEGER_EXPECTED = "The expression value must be an integer."


def contradicts_reference(diagnostic: Diagnostic, root: Node) -> bool:
    """Whether `diagnostic` is an analyzer error the reference contradicts (see the module's docstring)."""
    if diagnostic.message == _INTEGER_EXPECTED:
        return _real_seconds_of_make_timespan(diagnostic, root)
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


def _real_seconds_of_make_timespan(diagnostic: Diagnostic, root: Node) -> bool:
    for call in root.find("FunctionCallExpression"):
        name = call.get("Name")
        arguments = call.arguments()
        if (
            name is not None
            and name.name() == "make_timespan"
            and len(arguments) in (3, 4)
            and arguments[-1].start == diagnostic.start
            and arguments[-1].type in ("real", "decimal")
        ):
            return True
    return False
