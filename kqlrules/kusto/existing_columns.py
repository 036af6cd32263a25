"""`column_ifexists(name, default)` of a column that exists, bound as the column itself.

The reference says: "If columnName exists, then the column it refers to. Otherwise defaultValue"
(learn.microsoft.com/kusto/query/column-ifexists-function), so the call has the column's type. Microsoft's
analyzer types every call as its default's type: after `mv-expand TargetResources[0].modifiedProperties`,
`column_ifexists("TargetResources_0_modifiedProperties", '')` is a string to it and `.displayName` on it an
error ("does not refer to any known column"), where Kusto runs the query. Published Sentinel rules rely on
Kusto's behaviour. The query text is rewritten for the analyzer: a call whose name is a column of the
operator's input becomes that column's bracketed name (`['name']`), padded with spaces to the call's length
so that every position (diagnostics, tree offsets) is unchanged.
"""

from __future__ import annotations

from kqlrules.kusto.tree import Node, pipe_input

_NAMES = frozenset({"column_ifexists", "columnifexists"})


def bind_existing_columns(text: str, root: Node) -> str | None:
    """`text` with each `column_ifexists` of an existing column replaced by the column, or None when there is
    none (the analysis of `text` is then right as it is)."""
    if "ifexists" not in text:
        return None
    if not _offsets_are_indexes(text):
        return None
    edits: list[tuple[int, int, str]] = []
    for call in root.find("FunctionCallExpression"):
        name_node = call.get("Name")
        if name_node is None or name_node.name() not in _NAMES:
            continue
        column = _existing_column(call)
        if column is None:
            continue
        replacement = _bracketed(column, text[call.start : call.end])
        if replacement is not None:
            edits.append((call.start, call.end, replacement))
    if not edits:
        return None
    pieces = []
    at = 0
    for start, end, replacement in sorted(edits):
        if start < at:
            continue  # a call nested in another's default: the outer one is replaced
        pieces += [text[at:start], replacement]
        at = end
    pieces.append(text[at:])
    return "".join(pieces)


def _existing_column(call: Node) -> str | None:
    arguments = call.arguments()
    if len(arguments) != 2 or arguments[0].kind != "StringLiteralExpression":
        return None
    name = arguments[0].value
    if not isinstance(name, str) or not name:
        return None
    operator = next((a for a in call.ancestors() if pipe_input(a) is not None), None)
    source = pipe_input(operator) if operator is not None else None
    if source is None:
        return None
    # A column of unknown type is one the analyzer assumes, not knows: after a `union isfuzzy=true` leg over
    # a table that does not exist, it leaves that leg's columns open; Kusto drops the leg and its columns.
    known = {name for name, kind in source.columns or () if kind not in ("unknown", "error")}
    return name if name in known else None


def _bracketed(column: str, call_text: str) -> str | None:
    """`['column']` laid over the call's text: spaces where the call had other characters, its line breaks
    kept; None when the name does not fit on the call's first line or cannot be quoted simply."""
    if "'" in column or "\\" in column or "\n" in column:
        return None
    name = f"['{column}']"
    first_line = call_text.split("\n", 1)[0]
    if len(name) > len(first_line):
        return None
    rest = call_text[len(name) :]
    return name + "".join(ch if ch in "\r\n" else " " for ch in rest)


def _offsets_are_indexes(text: str) -> bool:
    """The analyzer's offsets count UTF-16 code units: they index the str only without astral characters."""
    return all(ord(c) < 0x10000 for c in text)
