"""A typed view of the analyzer's syntax tree (see `kqlrules/kusto/js/tree.js` for the JSON shape)."""

from __future__ import annotations

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
    """One syntax node: its kind, text span, field in the parent, Kusto type and children."""

    __slots__ = ("_children", "_raw", "end", "field", "kind", "start")

    def __init__(self, raw: dict[str, Any]) -> None:
        self._raw = raw
        self.kind: str = raw["k"]
        self.start: int = raw["s"]
        self.end: int = raw["e"]
        self.field: str | None = raw.get("f")
        self._children: tuple[Node, ...] | None = None

    @property
    def children(self) -> tuple[Node, ...]:
        if self._children is None:
            raw = self._raw.get("c")
            self._children = tuple(Node(c) for c in raw) if raw else _EMPTY
        return self._children

    @property
    def type(self) -> str:
        return str(self._raw.get("ty") or "unknown")

    @property
    def columns(self) -> list[tuple[str, str]] | None:
        cols = self._raw.get("cols")
        return [(str(n), str(t)) for n, t in cols] if cols is not None else None

    @property
    def symbol(self) -> tuple[str, str] | None:
        sym = self._raw.get("sym")
        return (str(sym[0]), str(sym[1])) if sym else None

    @property
    def token(self) -> str | None:
        tok = self._raw.get("tok")
        return None if tok is None else str(tok)

    @property
    def has_value(self) -> bool:
        return "v" in self._raw

    @property
    def value(self) -> Any:
        return self._raw.get("v")

    @property
    def expansion(self) -> Expansion | None:
        """For a call of a user function: its parameters (with default values) and its expanded body."""
        raw = self._raw.get("x")
        if not raw:
            return None
        params = [(str(name), Node(default) if default else None) for name, default in raw["params"]]
        return Expansion(params, Node(raw["body"]), raw.get("text"))

    @property
    def is_token(self) -> bool:
        return "tok" in self._raw

    def get(self, field: str) -> Node | None:
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
        for child in self.children:
            if child.kind in kinds:
                return child
        return None

    def walk(self) -> list[Node]:
        found = [self]
        for child in self.children:
            found.extend(child.walk())
        return found

    def keyword_tokens(self) -> list[str]:
        return [c.token or "" for c in self.children if c.is_token]

    def __repr__(self) -> str:
        return f"Node({self.kind} {self.start}-{self.end})"
