"""The analyzer's typed syntax tree (see the format at the top of `kqlrules/kusto/js/tree.js`) as small
navigable nodes: kind, span, slot in the parent, result type, columns, referenced symbol."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any


@dataclass(eq=False)
class Node:
    kind: str
    start: int
    end: int
    slot: str | None = None
    type: str | None = None
    columns: list[tuple[str, str]] | None = None
    symbol: tuple[str, str] | None = None
    token: str | None = None
    children: list[Node] = field(default_factory=list)
    parent: Node | None = field(default=None, repr=False)

    @classmethod
    def build(cls, raw: dict[str, Any]) -> Node:
        """The tree from its JSON form (iteratively: pipelines nest as deep as they are long)."""
        root = cls._one(raw, None)
        pending = [(root, raw)]
        while pending:
            node, data = pending.pop()
            node.children = [cls._one(child, node) for child in data.get("c", ())]
            pending.extend(zip(node.children, data.get("c", ()), strict=True))
        return root

    @classmethod
    def _one(cls, raw: dict[str, Any], parent: Node | None) -> Node:
        sym = raw.get("sym")
        cols = raw.get("cols")
        return cls(
            kind=str(raw["k"]),
            start=int(raw["s"]),
            end=int(raw["e"]),
            slot=raw.get("f"),
            type=raw.get("ty"),
            columns=[(str(n), str(t)) for n, t in cols] if cols is not None else None,
            symbol=(str(sym[0]), str(sym[1])) if sym else None,
            token=raw.get("tok"),
            parent=parent,
        )

    # -- navigation ----------------------------------------------------------------------------------
    def walk(self) -> Iterator[Node]:
        """This node and every descendant, in source order (iterative: real queries nest deeply)."""
        stack = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.children))

    def find(self, *kinds: str) -> Iterator[Node]:
        return (node for node in self.walk() if node.kind in kinds)

    def child(self, slot: str) -> Node | None:
        return next((c for c in self.children if c.slot == slot), None)

    def ancestors(self) -> Iterator[Node]:
        node = self.parent
        while node is not None:
            yield node
            node = node.parent

    @property
    def is_token(self) -> bool:
        return self.token is not None

    def tokens(self) -> Iterator[Node]:
        return (node for node in self.walk() if node.is_token)

    @property
    def column_names(self) -> set[str]:
        return {name for name, _ in self.columns or ()}

    def referenced_columns(self) -> Iterator[Node]:
        """Name references inside this node that bind to a column."""
        return (n for n in self.find("NameReference") if n.symbol is not None and n.symbol[1] == "Column")

    def name(self) -> str | None:
        """The identifier a NameReference or NameDeclaration spells."""
        for token in self.tokens():
            if token.kind == "IdentifierToken" or token.kind.endswith("Keyword"):
                return (token.token or "").strip("[]'\"")
        return None


# -- pipelines -----------------------------------------------------------------------------------------
def pipe_input(operator: Node) -> Node | None:
    """The tabular expression a query operator (where, join, ...) reads: the left side of its pipe."""
    parent = operator.parent
    if parent is None or parent.kind != "PipeExpression" or operator.slot != "Operator":
        return None
    return parent.child("Expression")


def downstream_operators(expression: Node) -> Iterator[Node]:
    """The operators that consume `expression`'s rows, nearest first (`T | where .. | join ..`)."""
    node = expression
    while node.parent is not None and node.parent.kind == "PipeExpression" and node.slot == "Expression":
        operator = node.parent.child("Operator")
        if operator is not None:
            yield operator
        node = node.parent


def named_parameters(operator: Node) -> dict[str, Node]:
    """`kind=inner`, `isfuzzy=true`, ...: the operator's parameters by (lower-cased) name."""
    found: dict[str, Node] = {}
    parameters = operator.child("Parameters")
    for parameter in parameters.find("NamedParameter") if parameters else ():
        name_node = parameter.child("Name")
        if name_node is not None:
            found[(name_node.name() or "").lower()] = parameter
    return found
