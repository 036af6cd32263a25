"""The analyzer's typed syntax tree (its JSON shape is described at the top of `kqlrules/kusto/js/tree.js`)
as navigable nodes: kind, text span, field in the parent, Kusto type, output columns, referenced symbol,
literal value and, for a call of a user function, its expanded body.

One wrapper for every reader: the local engine translates it, lint's rules inspect it. Children are built
when first asked for (the engine reads a small part of a large tree); `Node.build` also indexes every node
by kind for readers that look nodes up by kind many times. Walks are iterative: pipelines nest as deep as
they are long.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

_EMPTY: tuple[Node, ...] = ()


@dataclass(frozen=True)
class Expansion:
    """A user function's body, expanded by the analyzer for one call."""

    params: list[tuple[str, Node | None]]
    body: Node
    text: str | None  # what the body's offsets refer to (not the query's text)


class Node:
    """One syntax node of the analyzer's tree."""

    __slots__ = ("_children", "_raw", "end", "field", "index", "kind", "parent", "start")

    def __init__(self, raw: dict[str, Any], parent: Node | None = None) -> None:
        self._raw = raw
        self.kind: str = raw["k"]
        self.start: int = raw["s"]
        self.end: int = raw["e"]
        # The node's role in its parent ("Expression", "Operator", "ArgumentList", ...).
        self.field: str | None = raw.get("f")
        self.parent = parent
        self._children: tuple[Node, ...] | None = None
        # On a root made by `build` only: every node by kind, in source order.
        self.index: dict[str, list[Node]] | None = None

    @classmethod
    def build(cls, raw: dict[str, Any]) -> Node:
        """The whole tree, with every node indexed by kind on the root."""
        root = cls(raw)
        index: dict[str, list[Node]] = {}
        for node in root.walk():
            index.setdefault(node.kind, []).append(node)
        root.index = index
        return root

    # -- what the analyzer says about the node ------------------------------------------------------------
    @property
    def children(self) -> tuple[Node, ...]:
        if self._children is None:
            raw = self._raw.get("c")
            self._children = tuple(Node(c, self) for c in raw) if raw else _EMPTY
        return self._children

    @property
    def type(self) -> str:
        """The Kusto type of an expression ("unknown" where the analyzer gives none, "error" where it
        could not bind it)."""
        return str(self._raw.get("ty") or "unknown")

    @property
    def raw_columns(self) -> list[list[str]] | None:
        cols = self._raw.get("cols")
        return [[str(n), str(t)] for n, t in cols] if cols is not None else None

    @property
    def columns(self) -> list[tuple[str, str]] | None:
        """A tabular expression's output columns, (name, type)."""
        cols = self._raw.get("cols")
        return [(str(n), str(t)) for n, t in cols] if cols is not None else None

    @property
    def column_names(self) -> set[str]:
        return {str(column[0]) for column in self._raw.get("cols") or ()}

    @property
    def symbol(self) -> tuple[str, str] | None:
        """(name, kind) of what a name binds to: ("TimeGenerated", "Column"), ("x", "Variable"), ..."""
        sym = self._raw.get("sym")
        return (str(sym[0]), str(sym[1])) if sym else None

    @property
    def token(self) -> str | None:
        tok = self._raw.get("tok")
        return None if tok is None else str(tok)

    @property
    def is_token(self) -> bool:
        return "tok" in self._raw

    @property
    def has_value(self) -> bool:
        return "v" in self._raw

    @property
    def value(self) -> Any:
        """A literal's value as the analyzer exports it (lossy for some forms: the engine re-reads text)."""
        return self._raw.get("v")

    @property
    def expansion(self) -> Expansion | None:
        """For a call of a user function: its parameters (with default values) and its expanded body."""
        raw = self._raw.get("x")
        if not raw:
            return None
        params = [(str(name), Node(default) if default else None) for name, default in raw["params"]]
        return Expansion(params, Node(raw["body"]), raw.get("text"))

    # -- navigation ----------------------------------------------------------------------------------
    def get(self, field: str) -> Node | None:
        """The child in `field`."""
        for child in self.children:
            if child.field == field:
                return child
        return None

    def nodes(self) -> list[Node]:
        """The non-token children."""
        return [c for c in self.children if not c.is_token]

    def elements(self, field: str | None = None) -> list[Node]:
        """The items of a list (`List` of `SeparatedElement`s), or of the list in `field`."""
        holder = self.get(field) if field else self
        if holder is None:
            return []
        items: list[Node] = []
        for child in holder.children:
            if child.kind == "SeparatedElement":
                items.extend(c for c in child.children if not c.is_token)
            elif not child.is_token:
                items.append(child)
        return items

    def arguments(self) -> list[Node]:
        """The arguments of a call (its `ArgumentList`), or the items of an `ExpressionList`."""
        holder = self.get("ArgumentList") if self.kind != "ExpressionList" else self
        return holder.elements("Expressions") if holder is not None else []

    def first(self, *kinds: str) -> Node | None:
        """The first child of one of `kinds`."""
        for child in self.children:
            if child.kind in kinds:
                return child
        return None

    def walk(self) -> Iterator[Node]:
        """This node and every descendant, in source order."""
        stack = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.children))

    def find(self, *kinds: str) -> Iterator[Node]:
        """The descendants (and this node) of `kinds`, in source order."""
        if self.index is not None:
            found = [node for kind in kinds for node in self.index.get(kind, ())]
            return iter(sorted(found, key=lambda node: node.start) if len(kinds) > 1 else found)
        return (node for node in self.walk() if node.kind in kinds)

    def ancestors(self) -> Iterator[Node]:
        node = self.parent
        while node is not None:
            yield node
            node = node.parent

    def tokens(self) -> Iterator[Node]:
        return (node for node in self.walk() if node.is_token)

    def keyword_tokens(self) -> list[str]:
        """The texts of this node's own tokens (its keywords and punctuation)."""
        return [c.token or "" for c in self.children if c.is_token]

    def referenced_columns(self) -> Iterator[Node]:
        """Name references inside this node that bind to a column."""
        return (n for n in self.find("NameReference") if n.symbol is not None and n.symbol[1] == "Column")

    def name(self) -> str | None:
        """The identifier a NameReference or NameDeclaration spells."""
        for token in self.tokens():
            if token.kind == "IdentifierToken" or token.kind.endswith("Keyword"):
                return (token.token or "").strip("[]'\"")
        return None

    def __repr__(self) -> str:
        return f"Node({self.kind} {self.start}-{self.end})"


# -- pipelines -----------------------------------------------------------------------------------------
def pipe_input(operator: Node) -> Node | None:
    """The tabular expression a query operator (where, join, ...) reads: the left side of its pipe."""
    parent = operator.parent
    if parent is None or parent.kind != "PipeExpression" or operator.field != "Operator":
        return None
    return parent.get("Expression")


def downstream_operators(expression: Node) -> Iterator[Node]:
    """The operators that consume `expression`'s rows, nearest first (`T | where .. | join ..`)."""
    node = expression
    while node.parent is not None and node.parent.kind == "PipeExpression" and node.field == "Expression":
        operator = node.parent.get("Operator")
        if operator is not None:
            yield operator
        node = node.parent


def named_parameters(operator: Node) -> dict[str, Node]:
    """`kind=inner`, `isfuzzy=true`, ...: the operator's parameters by (lower-cased) name."""
    found: dict[str, Node] = {}
    parameters = operator.get("Parameters")
    for parameter in parameters.find("NamedParameter") if parameters else ():
        name_node = parameter.get("Name")
        if name_node is not None:
            found[(name_node.name() or "").lower()] = parameter
    return found
