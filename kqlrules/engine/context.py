"""The state of one query's translation: CTEs emitted so far, let bindings, the row in scope."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from kqlrules.engine.errors import KqlSemanticError, UnsupportedKql
from kqlrules.engine.relation import Relation
from kqlrules.engine.sql import Sql, quote_identifier
from kqlrules.kusto import LineIndex, Node
from kqlrules.table import Column


@dataclass
class Row:
    """The columns a row expression may name, as SQL, and whether aggregates are allowed."""

    columns: dict[str, Sql]
    aggregates: bool = False
    sides: dict[str, Row] = field(default_factory=dict)  # `$left` / `$right` inside a join condition
    window: Relation | None = None  # the serialized input, for prev()/next()/row_number()
    # The input relation's column names (pack_all() packs these, not columns an extend adds before it).
    inputs: frozenset[str] | None = None
    # Graph patterns: the elements a name stands for (`n.prop`), and the calls only they give a meaning to
    # (`all(e, ...)`, `node_degree_in(n)`...).
    tuples: dict[str, Row] = field(default_factory=dict)
    calls: dict[str, Callable[..., Sql]] = field(default_factory=dict)

    @classmethod
    def of(cls, relation: Relation, alias: str | None = None, *, aggregates: bool = False) -> Row:
        prefix = f"{alias}." if alias else ""
        return cls(
            {c.name: Sql(prefix + quote_identifier(c.name), c.type, side=alias) for c in relation.columns},
            aggregates,
            window=relation if relation.ordered else None,
            inputs=frozenset(c.name for c in relation.columns),
        )

    @classmethod
    def empty(cls) -> Row:
        return cls({})


@dataclass
class Binding:
    """What a `let` name (or a function parameter) stands for, translated on first use."""

    node: Node | None = None
    scalar: Sql | None = None
    relation: Relation | None = None
    scope: Scope | None = None  # where `node` must be translated
    text: str | None = None  # the text `node`'s offsets refer to (a function body's, inside one)
    position: Position | None = None
    busy: bool = False


@dataclass
class Scope:
    names: dict[str, Binding] = field(default_factory=dict)
    parent: Scope | None = None

    def find(self, name: str) -> Binding | None:
        scope: Scope | None = self
        while scope is not None:
            if name in scope.names:
                return scope.names[name]
            scope = scope.parent
        return None


class Position:
    """Offsets in the query text -> errors with line:col."""

    def __init__(self, text: str, fixed: tuple[int, int] | None = None) -> None:
        self._index = LineIndex(text)
        self.node: Node | None = None
        self.fixed = fixed  # inside a function's body, errors point at the call

    def at(self, node: Node | None) -> tuple[int, int]:
        if self.fixed is not None:
            return self.fixed
        target = node or self.node
        return self._index.position(target.start) if target else (0, 0)

    def unsupported(self, what: str, node: Node | None = None) -> UnsupportedKql:
        return UnsupportedKql(what, *self.at(node))

    def semantic(self, message: str, node: Node | None = None) -> KqlSemanticError:
        return KqlSemanticError(message, *self.at(node))


class Ctes:
    """The WITH list of the statement being built: one CTE per pipe stage."""

    def __init__(self, prefix: str = "__k") -> None:
        self.prefix = prefix  # a nested WITH (inside mv-apply) must not shadow the names of the outer one
        self.items: list[tuple[str, str]] = []
        self.materialized: set[str] = set()

    def add(
        self, sql: str, columns: list[Column], *, ordered: bool = False, sources: tuple[str, ...] = ()
    ) -> Relation:
        name = f"{self.prefix}{len(self.items)}"
        self.items.append((name, sql))
        return Relation(name, list(columns), ordered, sources)

    def render(self, final: str) -> str:
        if not self.items:
            return final
        ctes = [f"{n} AS {'MATERIALIZED ' if n in self.materialized else ''}({s})" for n, s in self.items]
        return "WITH " + ",\n".join(ctes) + "\n" + final


Translate = Callable[..., Relation]
