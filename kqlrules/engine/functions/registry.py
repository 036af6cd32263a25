"""Tables of translations, one entry per Kusto function or operator (a table, not an if-chain).

Scalar functions and binary operators receive their arguments already translated (`Sql`, with Kusto types)
and return one `Sql`. Aggregates do the same inside `summarize`. Each family of functions is one module in
this package that decorates its translators; `kqlrules.engine.functions` imports them all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from kqlrules.engine.sql import Sql


class TranslationContext(Protocol):
    """What a translator may ask of the query being translated."""

    @property
    def now(self) -> Sql:
        """The query-wide instant (`now()`, `ago()`): one value for the whole query."""
        ...

    def unsupported(self, what: str) -> Exception:
        """An `UnsupportedKql` error for this call, carrying its line and column."""
        ...

    def error(self, message: str) -> Exception:
        """A Kusto-style semantic error for this call (bad argument...), carrying its line and column."""
        ...


@dataclass(frozen=True)
class Call:
    """One call site: the name as written, its arguments, and the result type the analyzer gave it."""

    name: str
    args: list[Sql]
    result_type: str
    named: dict[str, Sql] = field(default_factory=dict)


ScalarTranslator = Callable[[TranslationContext, Call], Sql]
AggregateTranslator = Callable[[TranslationContext, Call], Sql]
OperatorTranslator = Callable[[TranslationContext, Sql, Sql, str], Sql]

SCALARS: dict[str, ScalarTranslator] = {}
AGGREGATES: dict[str, AggregateTranslator] = {}
# Keyed by the analyzer's SyntaxKind name: "EqualExpression", "HasExpression", "InExpression", ...
BINARY_OPERATORS: dict[str, OperatorTranslator] = {}


def scalar(*names: str) -> Callable[[ScalarTranslator], ScalarTranslator]:
    def register(translator: ScalarTranslator) -> ScalarTranslator:
        for name in names:
            SCALARS[name] = translator
        return translator

    return register


def aggregate(*names: str) -> Callable[[AggregateTranslator], AggregateTranslator]:
    def register(translator: AggregateTranslator) -> AggregateTranslator:
        for name in names:
            AGGREGATES[name] = translator
        return translator

    return register


def binary(*kinds: str) -> Callable[[OperatorTranslator], OperatorTranslator]:
    def register(translator: OperatorTranslator) -> OperatorTranslator:
        for kind in kinds:
            BINARY_OPERATORS[kind] = translator
        return translator

    return register
