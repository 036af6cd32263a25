"""Tables of translations, one entry per Kusto function or operator (a table, not an if-chain).

Scalar functions and binary operators receive their arguments already translated (`Sql`, with Kusto types)
and return one `Sql`. Aggregates do the same inside `summarize`. Each family of functions is one module in
this package that decorates its translators; `kqlrules.engine.functions` imports them all.

What the translators expect from the core:
- Literals arrive with `constant=True` and their Python `value` (a dynamic literal's value is the parsed JSON;
  a timespan's value is its ticks); functions that Kusto requires constant arguments for (regexes, formats,
  `extract()`'s group) refuse non-constant ones with `ctx.unsupported(...)`.
- The right side of `in`, `!in`, `in~`, `!in~`, `has_any`, `has_all`, `between` and `!between` is either the
  core's shape (an `Sql` whose text is a DuckDB LIST of the element type and whose `value` is the list of item
  `Sql`s when every item is a literal; `between` gets `[low, high]`), or a `SqlList` of the translated items
  (a dynamic array item is expanded, as Kusto does), or for a tabular right side (`x in (T | project c)`) a
  `SqlSubquery`: a parenthesised SELECT of one column, typed as that column.
- `extract(regex, group, text, typeof(T))` and `todynamic()`-like functions rely on `Call.result_type`, the
  type the analyzer inferred for the call.
- Helpers named `kql_*` must exist on the connection: `kqlrules.engine.udfs.register_udfs(connection)`.
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


@dataclass(frozen=True)
class SqlList(Sql):
    """The parenthesised list on the right of `in`, `has_any`, `between`...: its translated items."""

    items: tuple[Sql, ...] = ()


@dataclass(frozen=True)
class SqlSubquery(Sql):
    """A tabular expression used as a list (`x in (T | project c)`): `text` is `(SELECT c FROM ...)`."""


ScalarTranslator = Callable[[TranslationContext, Call], Sql]
AggregateTranslator = Callable[[TranslationContext, Call], Sql]
BinaryOperatorTranslator = Callable[[TranslationContext, Sql, Sql, str], Sql]

SCALARS: dict[str, ScalarTranslator] = {}
AGGREGATES: dict[str, AggregateTranslator] = {}
# Keyed by the analyzer's SyntaxKind name: "EqualExpression", "HasExpression", "InExpression", ...
BINARY_OPERATORS: dict[str, BinaryOperatorTranslator] = {}


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


def binary(*kinds: str) -> Callable[[BinaryOperatorTranslator], BinaryOperatorTranslator]:
    def register(translator: BinaryOperatorTranslator) -> BinaryOperatorTranslator:
        for kind in kinds:
            BINARY_OPERATORS[kind] = translator
        return translator

    return register
