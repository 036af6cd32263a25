"""Math functions: abs, round, ceiling, log*, exp*, pow, sqrt, sign, trigonometry, min_of/max_of, ...

Kusto follows IEEE doubles: log(0) is -infinity, log(-1) and sqrt(-1) are NaN (DuckDB agrees).
"""

from __future__ import annotations

from kqlrules.engine.errors import refusal_sql
from kqlrules.engine.functions.registry import Call, ScalarTranslator, TranslationContext, scalar
from kqlrules.engine.functions.support import (
    INTEGER_TYPES,
    NUMERIC_TYPES,
    arity,
    as_long,
    as_real,
    coerce,
    fn,
    sql_refusal,
)
from kqlrules.engine.sql import Sql


def _numeric_arg(ctx: TranslationContext, call: Call, value: Sql) -> Sql:
    if value.type not in NUMERIC_TYPES and value.type != "dynamic":
        raise ctx.unsupported(f"{call.name}() of a {value.type} value")
    return value


# Arguments outside a function's domain that its page says give null (where DuckDB gives NaN):
# log-function.md, log2-function.md, log10-function.md, sqrt-function.md ("null if the argument is
# negative"); acos-function.md, asin-function.md ("null if x < -1 or x > 1").
_NULL_OUTSIDE = {
    "log": "{x} < 0",
    "log2": "{x} < 0",
    "log10": "{x} < 0",
    "sqrt": "{x} < 0",
    "acos": "({x} < -1 OR {x} > 1)",
    "asin": "({x} < -1 OR {x} > 1)",
}


def _real_function(sql_name: str) -> ScalarTranslator:
    def translate(ctx: TranslationContext, call: Call) -> Sql:
        (value,) = arity(ctx, call, 1)
        real = as_real(_numeric_arg(ctx, call, value))
        outside = _NULL_OUTSIDE.get(call.name)
        if outside is not None:
            guarded = f"(CASE WHEN {outside.format(x=real)} THEN NULL ELSE {fn(sql_name, real)} END)"
            return Sql(guarded, "real")
        return Sql(fn(sql_name, real), "real")

    return translate


for _kusto, _duck in {
    "log": "ln",
    "log2": "log2",
    "log10": "log10",
    "exp": "exp",
    "sqrt": "sqrt",
    "cos": "cos",
    "sin": "sin",
    "tan": "tan",
    "acos": "acos",
    "asin": "asin",
    "atan": "atan",
    "cot": "cot",
    "degrees": "degrees",
    "radians": "radians",
    "gamma": "gamma",
    "loggamma": "lgamma",
}.items():
    scalar(_kusto)(_real_function(_duck))


@scalar("exp2")
def exp2(ctx: TranslationContext, call: Call) -> Sql:
    (value,) = arity(ctx, call, 1)
    return Sql(f"pow(2.0, {as_real(value)})", "real")


@scalar("exp10")
def exp10(ctx: TranslationContext, call: Call) -> Sql:
    (value,) = arity(ctx, call, 1)
    return Sql(f"pow(10.0, {as_real(value)})", "real")


@scalar("pow")
def power(ctx: TranslationContext, call: Call) -> Sql:
    base, exponent = arity(ctx, call, 2)
    return Sql(f"pow({as_real(base)}, {as_real(exponent)})", "real")


@scalar("atan2")
def atan2(ctx: TranslationContext, call: Call) -> Sql:
    y, x = arity(ctx, call, 2)
    return Sql(f"atan2({as_real(y)}, {as_real(x)})", "real")


@scalar("pi")
def pi(ctx: TranslationContext, call: Call) -> Sql:
    arity(ctx, call, 0)
    return Sql("pi()", "real")


@scalar("abs")
def absolute(ctx: TranslationContext, call: Call) -> Sql:
    (value,) = arity(ctx, call, 1)
    if value.type == "timespan":
        return Sql(f"abs({value})", "timespan")
    value = _numeric_arg(ctx, call, value)
    kind = "long" if value.type in INTEGER_TYPES else "real"
    return Sql(f"abs({coerce(value, kind)})", kind)


@scalar("sign")
def sign(ctx: TranslationContext, call: Call) -> Sql:
    (value,) = arity(ctx, call, 1)
    value = _numeric_arg(ctx, call, value)
    kind = "long" if value.type in INTEGER_TYPES else "real"
    if kind == "real":
        # sign-function.md gives -1, 0 or +1; the sign of NaN is not documented (DuckDB would say 0).
        real = coerce(value, kind)
        refuse = sql_refusal("sign() of NaN")
        return Sql(f"(CASE WHEN isnan({real}) THEN {refuse} ELSE CAST(sign({real}) AS DOUBLE) END)", kind)
    return Sql(f"CAST(sign({coerce(value, kind)}) AS BIGINT)", kind)


@scalar("ceiling")
def ceiling(ctx: TranslationContext, call: Call) -> Sql:
    (value,) = arity(ctx, call, 1)
    value = _numeric_arg(ctx, call, value)
    if value.type in INTEGER_TYPES:
        return as_long(value)
    return Sql(f"ceil({as_real(value)})", "real")


@scalar("round")
def round_(ctx: TranslationContext, call: Call) -> Sql:
    """The value scaled by 10^precision, rounded, scaled back (the reference: round(2.15, 1) is 2.2).

    Exactly halfway cases where rounding to even and rounding away from zero differ (2.5) stop the query:
    the reference does not say which one Kusto does.
    """
    args = arity(ctx, call, 1, 2)
    value = _numeric_arg(ctx, call, args[0])
    if value.type == "decimal":
        # A decimal is exact (scalar-data-types/decimal.md): decimal(2.55) is halfway at one digit, which the
        # engine's doubles cannot see, and what Kusto does there is not documented.
        raise ctx.unsupported("round() of a decimal value")
    precision = as_long(args[1]) if len(args) == 2 else Sql("0", "long")
    scale = f"pow(10.0, least(greatest({precision}, -300), 300))"
    scaled = f"({as_real(value)} * {scale})"
    halfway = f"(abs({scaled}) - floor(abs({scaled})) = 0.5 AND CAST(floor(abs({scaled})) AS DOUBLE) % 2 = 0)"
    rounded = f"(sign({scaled}) * floor(abs({scaled}) + 0.5) / {scale})"
    refuse = refusal_sql("'round() of a value exactly halfway between two results'")
    check = f"(CASE WHEN {halfway} THEN {refuse} ELSE {rounded} END)"
    if value.type in INTEGER_TYPES:
        return Sql(f"TRY_CAST({check} AS BIGINT)", "long")
    return Sql(check, "real")


def _extreme(sql_name: str) -> ScalarTranslator:
    def translate(ctx: TranslationContext, call: Call) -> Sql:
        args = arity(ctx, call, 1, 64)
        kinds = {a.type for a in args}
        if kinds <= NUMERIC_TYPES:
            kind = "real" if kinds & {"real", "decimal"} else "long"
        elif len(kinds) == 1:
            kind = args[0].type
        else:
            raise ctx.unsupported(f"{call.name}() mixing {', '.join(sorted(kinds))}")
        values = [coerce(a, kind) for a in args]
        extreme = fn(sql_name, *values)
        if kind == "real":
            # Nulls are skipped (max-of-function.md); where NaN falls is not documented: refused.
            nan = " OR ".join(f"isnan({v})" for v in values)
            refuse = sql_refusal(f"{call.name}() of reals that include NaN")
            return Sql(f"(CASE WHEN {nan} THEN {refuse} ELSE {extreme} END)", "real")
        return Sql(extreme, kind)

    return translate


scalar("max_of")(_extreme("greatest"))
scalar("min_of")(_extreme("least"))


@scalar("rand")
def rand(ctx: TranslationContext, call: Call) -> Sql:
    args = arity(ctx, call, 0, 1)
    if args:
        return Sql(f"CAST(floor(random() * {as_real(args[0])}) AS BIGINT)", "long")
    return Sql("random()", "real")


@scalar("binary_and", "binary_or", "binary_xor")
def binary_bitwise(ctx: TranslationContext, call: Call) -> Sql:
    left, right = arity(ctx, call, 2)
    op = {"binary_and": "&", "binary_or": "|", "binary_xor": "xor"}[call.name]
    if op == "xor":
        return Sql(f"xor({as_long(left)}, {as_long(right)})", "long")
    return Sql(f"({as_long(left)} {op} {as_long(right)})", "long")


@scalar("binary_not")
def binary_not(ctx: TranslationContext, call: Call) -> Sql:
    (value,) = arity(ctx, call, 1)
    return Sql(f"(~{as_long(value)})", "long")


@scalar("binary_shift_left", "binary_shift_right")
def binary_shift(ctx: TranslationContext, call: Call) -> Sql:
    """64-bit shifts as .NET does them: the count taken modulo 64, left shifts wrapping around."""
    value, shift = arity(ctx, call, 2)
    return Sql(fn(f"kql_{call.name}", as_long(value), as_long(shift)), "long")


@scalar("bitset_count_ones")
def bitset_count_ones(ctx: TranslationContext, call: Call) -> Sql:
    """The set bits of a value; of a negative one (two's complement of which width?) the query stops."""
    (value,) = arity(ctx, call, 1)
    number = as_long(_numeric_arg(ctx, call, value))
    negative = sql_refusal("bitset_count_ones() of a negative value, whose width the reference leaves open")
    return Sql(
        f"(CASE WHEN {number} < 0 THEN {negative} ELSE CAST(bit_count({number}) AS INTEGER) END)", "int"
    )
