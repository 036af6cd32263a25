"""Conditionals and null tests: iff/iif, case, coalesce, isnull, isnotnull, isempty, isnotempty, isnan..."""

from __future__ import annotations

from kqlrules.engine.functions.registry import Call, TranslationContext, scalar
from kqlrules.engine.functions.support import NUMERIC_TYPES, arity, as_real, coerce, fn
from kqlrules.engine.sql import Sql, quote_string


def _common_type(ctx: TranslationContext, call: Call, values: list[Sql]) -> str:
    kinds = {v.type for v in values}
    if len(kinds) == 1:
        return values[0].type
    if call.result_type in NUMERIC_TYPES | {"string", "bool", "datetime", "timespan", "guid", "dynamic"}:
        return call.result_type
    if kinds <= NUMERIC_TYPES:
        return "real" if kinds & {"real", "decimal"} else "long"
    raise ctx.unsupported(f"{call.name}() mixing {', '.join(sorted(kinds))} values")


def _condition(value: Sql) -> Sql:
    return value if value.type == "bool" else coerce(value, "bool")


@scalar("iff", "iif")
def iff(ctx: TranslationContext, call: Call) -> Sql:
    condition, then, otherwise = arity(ctx, call, 3)
    kind = _common_type(ctx, call, [then, otherwise])
    a, b = coerce(then, kind), coerce(otherwise, kind)
    return Sql(f"(CASE WHEN {_condition(condition)} THEN {a} ELSE {b} END)", kind)


@scalar("case")
def case(ctx: TranslationContext, call: Call) -> Sql:
    args = arity(ctx, call, 3, 1001)
    if len(args) % 2 == 0:
        raise ctx.unsupported("case() without predicate/value pairs and a final else value")
    values = [args[i] for i in range(1, len(args), 2)] + [args[-1]]
    kind = _common_type(ctx, call, values)
    branches = " ".join(
        f"WHEN {_condition(args[i])} THEN {coerce(args[i + 1], kind)}" for i in range(0, len(args) - 1, 2)
    )
    return Sql(f"(CASE {branches} ELSE {coerce(args[-1], kind)} END)", kind)


@scalar("coalesce")
def coalesce(ctx: TranslationContext, call: Call) -> Sql:
    args = arity(ctx, call, 1, 64)
    kind = _common_type(ctx, call, args)
    if kind == "string":
        # Kusto's coalesce skips empty strings, its null.
        parts = ", ".join(f"NULLIF({coerce(a, 'string')}, '')" for a in args)
        return Sql(f"COALESCE({parts}, '')", "string")
    if kind == "dynamic":
        parts = ", ".join(f"(CASE WHEN json_type({a}) <> 'NULL' THEN {a} END)" for a in args)
        return Sql(f"COALESCE({parts})", "dynamic")
    return Sql(fn("COALESCE", *(coerce(a, kind) for a in args)), kind)


def _null_test(value: Sql) -> str:
    if value.type == "string":
        return "FALSE"
    if value.type == "dynamic":
        return f"({value} IS NULL OR json_type({value}) = 'NULL')"
    return f"({value} IS NULL)"


@scalar("isnull")
def isnull(ctx: TranslationContext, call: Call) -> Sql:
    (value,) = arity(ctx, call, 1)
    return Sql(_null_test(value), "bool")


@scalar("isnotnull", "notnull")
def isnotnull(ctx: TranslationContext, call: Call) -> Sql:
    (value,) = arity(ctx, call, 1)
    return Sql(f"(NOT {_null_test(value)})", "bool")


def _empty_test(value: Sql) -> str:
    if value.type == "string":
        return f"({value} = '')"
    if value.type == "dynamic":
        # An empty string held in a dynamic is empty too.
        return f"({_null_test(value)} OR (json_type({value}) = 'VARCHAR' AND ({value} ->> '$') = ''))"
    return _null_test(value)


@scalar("isempty")
def isempty(ctx: TranslationContext, call: Call) -> Sql:
    (value,) = arity(ctx, call, 1)
    return Sql(_empty_test(value), "bool")


@scalar("isnotempty", "notempty")
def isnotempty(ctx: TranslationContext, call: Call) -> Sql:
    (value,) = arity(ctx, call, 1)
    return Sql(f"(NOT {_empty_test(value)})", "bool")


@scalar("isnan")
def isnan(ctx: TranslationContext, call: Call) -> Sql:
    (value,) = arity(ctx, call, 1)
    return Sql(f"isnan({as_real(value)})", "bool")


@scalar("isinf")
def isinf(ctx: TranslationContext, call: Call) -> Sql:
    (value,) = arity(ctx, call, 1)
    return Sql(f"isinf({as_real(value)})", "bool")


@scalar("isfinite")
def isfinite(ctx: TranslationContext, call: Call) -> Sql:
    (value,) = arity(ctx, call, 1)
    return Sql(f"isfinite({as_real(value)})", "bool")


@scalar("not")
def not_(ctx: TranslationContext, call: Call) -> Sql:
    (value,) = arity(ctx, call, 1)
    return Sql(f"(NOT {_condition(value)})", "bool")


@scalar("assert")
def assert_(ctx: TranslationContext, call: Call) -> Sql:
    """True, or the query fails with Kusto's message when the condition is false."""
    condition, message = arity(ctx, call, 2)
    if not message.constant or not isinstance(message.value, str):
        raise ctx.error("assert(): the message must be a string literal")
    failure = f"assert() has failed with message: '{message.value}'"
    if condition.constant and condition.value is False:
        raise ctx.error(failure)
    if condition.constant and condition.value is True:
        return Sql("TRUE", "bool", constant=True, value=True)
    return Sql(
        f"(CASE WHEN {_condition(condition)} THEN TRUE ELSE error({quote_string(failure)}) END)", "bool"
    )
