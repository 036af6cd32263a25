"""A subquery planned once per outer row (mv-apply's rows, partition's keys): its CTEs live in a nested WITH
that a LATERAL join runs for each row."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from kqlrules.engine.context import Binding, Ctes, Scope
from kqlrules.engine.translator import Translator
from kqlrules.kusto import Node


@contextmanager
def nested_plan(t: Translator, construct: str, subquery: Node, tag: str) -> Iterator[None]:
    """Plan the body's CTEs apart from the outer query's, named with `tag` so the two never collide.

    `let` tables first used inside the body are translated into its nested WITH, out of the outer query's
    reach: they are forgotten afterwards, so the outer query translates them again where it needs them.
    A guard (a query run before the statement) cannot see a per-row relation, so a body that needs one is
    refused.
    """
    outer_ctes, outer_guards = t.ctes, len(t.guards)
    bindings = _unbound(t)
    t.ctes = Ctes(prefix=f"{outer_ctes.prefix}{len(outer_ctes.items)}{tag}")
    try:
        yield
    finally:
        t.ctes = outer_ctes
        for binding in bindings:
            binding.relation = None
            binding.scalar = None
    if len(t.guards) != outer_guards:
        raise t.position.unsupported(f"this construct inside {construct}", subquery)


def _unbound(t: Translator) -> list[Binding]:
    """The `let` names not translated yet."""
    found: list[Binding] = []
    scope: Scope | None = t.scope
    while scope is not None:
        found.extend(
            b for b in scope.names.values() if b.node is not None and b.relation is None and b.scalar is None
        )
        scope = scope.parent
    return found
