"""The few operators and functions the engine's own tests need, used only where the function library
(`kqlrules.engine.functions`) has no entry yet: the library always wins."""

from __future__ import annotations

import re
from collections.abc import Callable

from kqlrules.engine.functions.registry import (
    AggregateTranslator,
    Call,
    OperatorTranslator,
    ScalarTranslator,
    TranslationContext,
)
from kqlrules.engine.sql import Sql

_EXTRACTION = re.compile(r"^json_extract\(([^()']*), '(\$[^']*)'\)$")

BINARY: dict[str, OperatorTranslator] = {}
SCALARS: dict[str, ScalarTranslator] = {}
AGGREGATES: dict[str, AggregateTranslator] = {}


def _binary(*kinds: str) -> Callable[[OperatorTranslator], OperatorTranslator]:
    def register(translator: OperatorTranslator) -> OperatorTranslator:
        for kind in kinds:
            BINARY[kind] = translator
        return translator

    return register


def _comparable(ctx: TranslationContext, left: Sql, right: Sql) -> tuple[str, str]:
    if "dynamic" in (left.type, right.type) and left.type != right.type:
        raise ctx.unsupported("comparing dynamic values with scalars")
    return left.text, right.text


_COMPARISONS = {
    "EqualExpression": "=",
    "NotEqualExpression": "<>",
    "LessThanExpression": "<",
    "LessThanOrEqualExpression": "<=",
    "GreaterThanExpression": ">",
    "GreaterThanOrEqualExpression": ">=",
}


@_binary(*_COMPARISONS)
def _compare(ctx: TranslationContext, left: Sql, right: Sql, kind: str) -> Sql:
    a, b = _comparable(ctx, left, right)
    test = f"({a} {_COMPARISONS[kind]} {b})"
    known_value = (left.constant and left.value is not None) or (right.constant and right.value is not None)
    if kind in ("EqualExpression", "NotEqualExpression") and not known_value:
        # Kusto: null == value is false and null != value is true; two nulls compare to null.
        known = "FALSE" if kind == "EqualExpression" else "TRUE"
        return Sql(
            f"(CASE WHEN {a} IS NULL AND {b} IS NULL THEN NULL ELSE coalesce({test}, {known}) END)", "bool"
        )
    if kind == "EqualExpression":
        return Sql(f"coalesce({test}, FALSE)", "bool")  # against a constant: null == value is false
    if kind == "NotEqualExpression":
        return Sql(f"coalesce({test}, TRUE)", "bool")
    return Sql(test, "bool")


@_binary("EqualTildeExpression", "BangTildeExpression")
def _equal_ci(ctx: TranslationContext, left: Sql, right: Sql, kind: str) -> Sql:
    op = "=" if kind == "EqualTildeExpression" else "<>"
    return Sql(f"(lower({left.text}) {op} lower({right.text}))", "bool")


@_binary("AndExpression", "OrExpression")
def _logical(ctx: TranslationContext, left: Sql, right: Sql, kind: str) -> Sql:
    op = "AND" if kind == "AndExpression" else "OR"
    return Sql(f"({left.text} {op} {right.text})", "bool")


@_binary("ContainsExpression", "NotContainsExpression", "ContainsCsExpression", "NotContainsCsExpression")
def _contains(ctx: TranslationContext, left: Sql, right: Sql, kind: str) -> Sql:
    if left.type != "string" or right.type != "string":
        raise ctx.unsupported(f"{kind} on {left.type}")
    test = (
        f"contains({left.text}, {right.text})"
        if "Cs" in kind
        else f"contains(lower({left.text}), lower({right.text}))"
    )
    return Sql(f"(NOT {test})" if kind.startswith("Not") else f"({test})", "bool")


@_binary("StartsWithExpression", "EndsWithExpression")
def _affix(ctx: TranslationContext, left: Sql, right: Sql, kind: str) -> Sql:
    if left.type != "string" or right.type != "string":
        raise ctx.unsupported(f"{kind} on {left.type}")
    func = "starts_with" if kind == "StartsWithExpression" else "ends_with"
    return Sql(f"{func}(lower({left.text}), lower({right.text}))", "bool")


def _arith(op: str) -> OperatorTranslator:
    def translate(ctx: TranslationContext, left: Sql, right: Sql, kind: str) -> Sql:
        types = (left.type, right.type)
        numeric = ("long", "int", "real", "decimal")
        if types[0] in numeric and types[1] in numeric:
            integral = "real" not in types and "decimal" not in types
            if op == "/" and integral:
                return Sql(f"CAST(trunc({left.text} / {right.text}) AS BIGINT)", "long")
            result = "long" if integral else "real"
            return Sql(f"({left.text} {op} {right.text})", result)
        if types == ("timespan", "timespan") and op in "+-":
            return Sql(f"({left.text} {op} {right.text})", "timespan")
        if types == ("datetime", "timespan") and op in "+-":
            return Sql(f"({left.text} {op} to_microseconds(CAST({right.text} // 10 AS BIGINT)))", "datetime")
        if types == ("datetime", "datetime") and op == "-":
            return Sql(f"((epoch_us({left.text}) - epoch_us({right.text})) * 10)", "timespan")
        raise ctx.unsupported(f"{op} on {types[0]} and {types[1]}")

    return translate


for _kind, _op in (
    ("AddExpression", "+"),
    ("SubtractExpression", "-"),
    ("MultiplyExpression", "*"),
    ("DivideExpression", "/"),
    ("ModuloExpression", "%"),
):
    BINARY[_kind] = _arith(_op)


def _scalar(*names: str) -> Callable[[ScalarTranslator], ScalarTranslator]:
    def register(translator: ScalarTranslator) -> ScalarTranslator:
        for name in names:
            SCALARS[name] = translator
        return translator

    return register


def _aggregate(*names: str) -> Callable[[AggregateTranslator], AggregateTranslator]:
    def register(translator: AggregateTranslator) -> AggregateTranslator:
        for name in names:
            AGGREGATES[name] = translator
        return translator

    return register


@_scalar("now")
def _now(ctx: TranslationContext, call: Call) -> Sql:
    if call.args:
        return _arith("+")(ctx, ctx.now, call.args[0], "AddExpression")
    return ctx.now


@_scalar("ago")
def _ago(ctx: TranslationContext, call: Call) -> Sql:
    return _arith("-")(ctx, ctx.now, call.args[0], "SubtractExpression")


@_scalar("not")
def _not(ctx: TranslationContext, call: Call) -> Sql:
    return Sql(f"(NOT {call.args[0].text})", "bool")


@_scalar("isempty", "isnotempty")
def _isempty(ctx: TranslationContext, call: Call) -> Sql:
    arg = call.args[0]
    test = f"({arg.text} = '')" if arg.type == "string" else f"({arg.text} IS NULL)"
    return Sql(f"(NOT {test})" if call.name == "isnotempty" else test, "bool")


@_scalar("isnull", "isnotnull")
def _isnull(ctx: TranslationContext, call: Call) -> Sql:
    arg = call.args[0]
    if arg.type == "string":
        return Sql("FALSE" if call.name == "isnull" else "TRUE", "bool")
    op = "IS NULL" if call.name == "isnull" else "IS NOT NULL"
    return Sql(f"({arg.text} {op})", "bool")


@_scalar("strlen")
def _strlen(ctx: TranslationContext, call: Call) -> Sql:
    return Sql(f"CAST(length({call.args[0].text}) AS BIGINT)", "long")


@_scalar("tolower", "toupper")
def _case(ctx: TranslationContext, call: Call) -> Sql:
    func = "lower" if call.name == "tolower" else "upper"
    return Sql(f"{func}({call.args[0].text})", "string")


@_scalar("tostring")
def _tostring(ctx: TranslationContext, call: Call) -> Sql:
    arg = call.args[0]
    if arg.type == "string":
        return arg
    if arg.type in ("long", "int", "bool", "guid"):
        text = f"lower(CAST({arg.text} AS VARCHAR))" if arg.type == "bool" else f"CAST({arg.text} AS VARCHAR)"
        return Sql(f"coalesce({text}, '')", "string")
    if arg.type == "dynamic":
        # ->> gives a JSON string's text, other values' JSON text, and SQL NULL for JSON null.
        extraction = _EXTRACTION.match(arg.text)
        if extraction and extraction.group(1).count("(") == extraction.group(1).count(")"):
            return Sql(f"coalesce({extraction.group(1)} ->> '{extraction.group(2)}', '')", "string")
        return Sql(f"coalesce({arg.text} ->> '$', '')", "string")
    raise ctx.unsupported(f"tostring() of {arg.type}")


@_scalar("iff", "iif")
def _iff(ctx: TranslationContext, call: Call) -> Sql:
    cond, then, other = call.args
    return Sql(f"(CASE WHEN {cond.text} THEN {then.text} ELSE {other.text} END)", call.result_type)


@_scalar("strcat")
def _strcat(ctx: TranslationContext, call: Call) -> Sql:
    if any(a.type != "string" for a in call.args):
        raise ctx.unsupported("strcat() of non-strings")
    return Sql("concat(" + ", ".join(a.text for a in call.args) + ")", "string")


@_scalar("bin", "floor")
def _bin(ctx: TranslationContext, call: Call) -> Sql:
    value, size = call.args
    if value.type == "datetime" and size.type == "timespan":
        return Sql(
            f"make_timestamp(CAST(floor(epoch_us({value.text}) / ({size.text} // 10)) * ({size.text} // 10)"
            " AS BIGINT))",
            "datetime",
        )
    if value.type in ("long", "int") and size.type in ("long", "int"):
        return Sql(f"CAST(floor({value.text} / {size.text}) * {size.text} AS BIGINT)", "long")
    if value.type in ("real", "long", "int") and size.type in ("real", "long", "int"):
        return Sql(f"(floor({value.text} / {size.text}) * {size.text})", "real")
    if value.type == "timespan" and size.type == "timespan":
        return Sql(f"CAST(floor({value.text} / {size.text}) * {size.text} AS BIGINT)", "timespan")
    raise ctx.unsupported(f"bin() of {value.type} by {size.type}")


@_aggregate("count")
def _count(ctx: TranslationContext, call: Call) -> Sql:
    return Sql("count(*)", "long")


@_aggregate("countif")
def _countif(ctx: TranslationContext, call: Call) -> Sql:
    return Sql(f"count(*) FILTER (WHERE {call.args[0].text})", "long")


@_aggregate("dcount")
def _dcount(ctx: TranslationContext, call: Call) -> Sql:
    arg = call.args[0]
    text = f"NULLIF({arg.text}, '')" if arg.type == "string" else arg.text
    return Sql(f"count(DISTINCT {text})", "long")


@_aggregate("sum", "min", "max", "avg")
def _simple(ctx: TranslationContext, call: Call) -> Sql:
    arg = call.args[0]
    if arg.type not in ("long", "int", "real", "datetime", "timespan") or (
        call.name in ("sum", "avg") and arg.type == "datetime"
    ):
        raise ctx.unsupported(f"{call.name}() of {arg.type}")
    text = f"{call.name}({arg.text})"
    if call.name == "sum" and arg.type in ("long", "int", "timespan"):
        text = f"CAST({text} AS BIGINT)"
    return Sql(text, call.result_type)
