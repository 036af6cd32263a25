"""The analyzer's typed syntax tree (see the format at the top of `kqlrules/kusto/js/tree.js`) as small
navigable nodes: kind, span, slot in the parent, result type, columns, referenced symbol."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any


@dataclass(eq=False, slots=True)
class Node:
    kind: str
    start: int
    end: int
    slot: str | None = None
    type: str | None = None
    symbol: tuple[str, str] | None = None
    token: str | None = None
    children: list[Node] = field(default_factory=list)
    parent: Node | None = field(default=None, repr=False)
    raw_columns: list[list[str]] | None = field(default=None, repr=False)
    # On the root only: every node by kind, in source order (rules look nodes up by kind many times).
    index: dict[str, list[Node]] | None = field(default=None, repr=False)

    @classmethod
    def build(cls, raw: dict[str, Any]) -> Node:
        """The tree from its JSON form (iteratively: pipelines nest as deep as they are long)."""
        root = cls._one(raw, None)
        index: dict[str, list[Node]] = {}
        pending = [(root, raw)]
        while pending:
            node, data = pending.pop()
            index.setdefault(node.kind, []).append(node)
            raw_children = data.get("c", ())
            node.children = [cls._one(child, node) for child in raw_children]
            pending.extend(reversed(list(zip(node.children, raw_children, strict=True))))
        root.index = index
        return root

    @classmethod
    def _one(cls, raw: dict[str, Any], parent: Node | None) -> Node:
        sym = raw.get("sym")
        return cls(
            raw["k"],
            raw["s"],
            raw["e"],
            raw.get("f"),
            raw.get("ty"),
            (sym[0], sym[1]) if sym else None,
            raw.get("tok"),
            [],
            parent,
            raw.get("cols"),
        )

    @property
    def columns(self) -> list[tuple[str, str]] | None:
        if self.raw_columns is None:
            return None
        return [(str(name), str(kind)) for name, kind in self.raw_columns]

    # -- navigation ----------------------------------------------------------------------------------
    def walk(self) -> Iterator[Node]:
        """This node and every descendant, in source order (iterative: real queries nest deeply)."""
        stack = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.children))

    def find(self, *kinds: str) -> Iterator[Node]:
        if self.index is not None:
            found = [node for kind in kinds for node in self.index.get(kind, ())]
            return iter(sorted(found, key=lambda node: node.start) if len(kinds) > 1 else found)
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
        return {str(column[0]) for column in self.raw_columns or ()}

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
