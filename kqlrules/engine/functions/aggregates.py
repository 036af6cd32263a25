"""Aggregation functions for `summarize`: count/countif, dcount, sum, avg, min/max, make_list, make_set,
make_bag, take_any, percentile, stdev/variance, covariance, hll.

Approximations Kusto makes and this engine does not: `dcount()` and the `hll()` family count exactly (an
`hll` value here is the JSON array of the distinct values); `percentile()` is the exact nearest-rank value.
Multi-column aggregates (`arg_max`, `arg_min`, `percentiles`, `take_any(a, b)`) are the core's.
"""

from __future__ import annotations

from kqlrules.engine.functions.registry import AggregateTranslator, Call, TranslationContext, aggregate
from kqlrules.engine.functions.support import (
    INTEGER_TYPES,
    NUMERIC_TYPES,
    as_dynamic,
    as_long,
    as_real,
    coerce,
    sql_refusal,
)
from kqlrules.engine.sql import Sql

MAX_LIST = 1_048_576


def _args(ctx: TranslationContext, call: Call, low: int, high: int) -> list[Sql]:
    if not low <= len(call.args) <= high:
        raise ctx.unsupported(f"{call.name}() with {len(call.args)} arguments (it reads {low} to {high})")
    return call.args


def _filter(predicate: Sql | None) -> str:
    return f" FILTER (WHERE {coerce(predicate, 'bool')})" if predicate is not None else ""


@aggregate("count")
def count(ctx: TranslationContext, call: Call) -> Sql:
    args = _args(ctx, call, 0, 1)
    if args:
        return Sql(f"CAST(count({args[0]}) AS BIGINT)", "long")
    return Sql("CAST(count(*) AS BIGINT)", "long")


@aggregate("countif")
def countif(ctx: TranslationContext, call: Call) -> Sql:
    (predicate,) = _args(ctx, call, 1, 1)
    return Sql(f"CAST(count(*){_filter(predicate)} AS BIGINT)", "long")


def _distinct_value(value: Sql) -> str:
    # Strings have no null in Kusto: the empty string is a value like any other (make_set keeps it too).
    return str(value)


@aggregate("dcount", "count_distinct")
def dcount(ctx: TranslationContext, call: Call) -> Sql:
    args = _args(ctx, call, 1, 2)
    return Sql(f"CAST(count(DISTINCT {_distinct_value(args[0])}) AS BIGINT)", "long")


@aggregate("dcountif", "count_distinctif")
def dcountif(ctx: TranslationContext, call: Call) -> Sql:
    args = _args(ctx, call, 2, 3)
    return Sql(f"CAST(count(DISTINCT {_distinct_value(args[0])}){_filter(args[1])} AS BIGINT)", "long")


def _exact_decimal(ctx: TranslationContext, call: Call, value: Sql) -> None:
    """scalar-data-types/decimal.md: a decimal is an exact 128-bit decimal number, so 0.1 + 0.2 sums to 0.3;
    the engine keeps decimals as doubles, whose sum is 0.30000000000000004: refused, as the binary operators
    refuse decimal arithmetic."""
    if value.type == "decimal":
        raise ctx.unsupported(f"{call.name}() of decimal values")


def _sum(ctx: TranslationContext, call: Call, value: Sql, predicate: Sql | None) -> Sql:
    _exact_decimal(ctx, call, value)
    # The sum of no values is 0 in Kusto.
    if value.type in INTEGER_TYPES or value.type == "bool":
        return Sql(f"CAST(COALESCE(sum({as_long(value)}){_filter(predicate)}, 0) AS BIGINT)", "long")
    if value.type == "timespan":
        return Sql(f"CAST(COALESCE(sum({value}){_filter(predicate)}, 0) AS BIGINT)", "timespan")
    if value.type in NUMERIC_TYPES or value.type == "dynamic":
        return Sql(f"COALESCE(sum({as_real(value)}){_filter(predicate)}, 0.0)", "real")
    raise ctx.unsupported(f"{call.name}() of {value.type} values")


@aggregate("sum")
def sum_(ctx: TranslationContext, call: Call) -> Sql:
    (value,) = _args(ctx, call, 1, 1)
    return _sum(ctx, call, value, None)


@aggregate("sumif")
def sumif(ctx: TranslationContext, call: Call) -> Sql:
    value, predicate = _args(ctx, call, 2, 2)
    return _sum(ctx, call, value, predicate)


def _avg(ctx: TranslationContext, call: Call, value: Sql, predicate: Sql | None) -> Sql:
    _exact_decimal(ctx, call, value)
    if value.type == "timespan":
        return Sql(f"CAST(avg({value}){_filter(predicate)} AS BIGINT)", "timespan")
    if value.type in NUMERIC_TYPES or value.type in ("dynamic", "bool"):
        # The average of no values is NaN: summarize-operator.md's example over an empty table prints NaN,
        # while its table of defaults says "null" for every aggregate it does not list; the engine follows
        # the example (the service's output) and docs/engine-coverage.md states the choice.
        return Sql(f"COALESCE(avg({as_real(value)}){_filter(predicate)}, CAST('nan' AS DOUBLE))", "real")
    raise ctx.unsupported(f"{call.name}() of {value.type} values")


@aggregate("avg")
def avg(ctx: TranslationContext, call: Call) -> Sql:
    (value,) = _args(ctx, call, 1, 1)
    return _avg(ctx, call, value, None)


@aggregate("avgif")
def avgif(ctx: TranslationContext, call: Call) -> Sql:
    value, predicate = _args(ctx, call, 2, 2)
    return _avg(ctx, call, value, predicate)


def _extreme(ctx: TranslationContext, call: Call, function: str, value: Sql, predicate: Sql | None) -> Sql:
    if value.type == "dynamic":
        raise ctx.unsupported(f"{call.name}() of dynamic values")
    if value.type == "string":
        return Sql(f"COALESCE({function}({value}){_filter(predicate)}, '')", "string")
    if value.type == "real":
        # Where NaN falls among the reals is not documented (min-aggregation-function.md,
        # max-aggregation-function.md): a group holding one is refused rather than answered by DuckDB's order,
        # which puts NaN above infinity.
        nan = f"bool_or(isnan({value})){_filter(predicate)}"
        refuse = sql_refusal(f"{call.name}() of reals that include NaN")
        extreme = f"{function}({value}){_filter(predicate)}"
        return Sql(f"(CASE WHEN {nan} THEN {refuse} ELSE {extreme} END)", "real")
    return Sql(f"{function}({value}){_filter(predicate)}", value.type)


@aggregate("min", "max")
def min_max(ctx: TranslationContext, call: Call) -> Sql:
    (value,) = _args(ctx, call, 1, 1)
    return _extreme(ctx, call, call.name, value, None)


@aggregate("minif", "maxif")
def min_max_if(ctx: TranslationContext, call: Call) -> Sql:
    value, predicate = _args(ctx, call, 2, 2)
    return _extreme(ctx, call, call.name[:3], value, predicate)


def _present(value: Sql) -> str:
    if value.type == "dynamic":
        return f"{value} IS NOT NULL AND json_type({value}) <> 'NULL'"
    return f"{value} IS NOT NULL"


def _limit(ctx: TranslationContext, call: Call, value: Sql | None) -> int:
    if value is None:
        return MAX_LIST
    if not value.constant or not isinstance(value.value, int):
        raise ctx.unsupported(f"{call.name}() with a non-constant size limit")
    return value.value


def _list(
    value: Sql,
    predicate: Sql | None,
    limit: int,
    distinct: bool,
    keep_nulls: bool = False,
    order: str | None = None,
) -> Sql:
    if distinct and value.type == "dynamic":
        return _set_of_elements(value, predicate, limit)
    condition = [] if keep_nulls else [_present(value)]
    if predicate is not None:
        condition.append(str(coerce(predicate, "bool")))
    where = f" FILTER (WHERE {' AND '.join(condition)})" if condition else ""
    element = as_dynamic(value)
    # Over a serialized input (after sort, serialize, top...) a list keeps the rows' order, which queries
    # that sort before make_list() rely on; over an unordered input nothing fixes its order.
    ordered = f" ORDER BY {order}" if order is not None and not distinct else ""
    collected = f"list({'DISTINCT ' if distinct else ''}{element}{ordered}){where}"
    return Sql(f"CAST(COALESCE(to_json(({collected})[1:{limit}]), '[]') AS JSON)", "dynamic")


def _set_of_elements(value: Sql, predicate: Sql | None, limit: int) -> Sql:
    """make_set() of dynamic values: the distinct elements of arrays, and the other values themselves."""
    where = _filter(predicate)
    elements = f"CASE WHEN json_type({value}) = 'ARRAY' THEN CAST({value} AS JSON[]) ELSE [{value}] END"
    flat = f"flatten(list({elements}){where})"
    present = f"list_filter({flat}, lambda e: e IS NOT NULL AND json_type(e) <> 'NULL')"
    return Sql(f"CAST(COALESCE(to_json(list_distinct({present})[1:{limit}]), '[]') AS JSON)", "dynamic")


def _input_order(ctx: TranslationContext) -> str | None:
    """The SQL key of the aggregated input's row order when the input is serialized, else None."""
    order = getattr(ctx, "input_order", None)
    return order if isinstance(order, str) else None


@aggregate("make_list", "makelist")
def make_list(ctx: TranslationContext, call: Call) -> Sql:
    args = _args(ctx, call, 1, 2)
    return _list(
        args[0],
        None,
        _limit(ctx, call, args[1] if len(args) == 2 else None),
        distinct=False,
        order=_input_order(ctx),
    )


@aggregate("make_list_if", "makelist_if")
def make_list_if(ctx: TranslationContext, call: Call) -> Sql:
    args = _args(ctx, call, 2, 3)
    return _list(
        args[0],
        args[1],
        _limit(ctx, call, args[2] if len(args) == 3 else None),
        distinct=False,
        order=_input_order(ctx),
    )


@aggregate("make_list_with_nulls")
def make_list_with_nulls(ctx: TranslationContext, call: Call) -> Sql:
    args = _args(ctx, call, 1, 2)
    limit = _limit(ctx, call, args[1] if len(args) == 2 else None)
    return _list(args[0], None, limit, distinct=False, keep_nulls=True, order=_input_order(ctx))


@aggregate("make_set", "makeset")
def make_set(ctx: TranslationContext, call: Call) -> Sql:
    args = _args(ctx, call, 1, 2)
    return _list(args[0], None, _limit(ctx, call, args[1] if len(args) == 2 else None), distinct=True)


@aggregate("make_set_if", "makeset_if")
def make_set_if(ctx: TranslationContext, call: Call) -> Sql:
    args = _args(ctx, call, 2, 3)
    return _list(args[0], args[1], _limit(ctx, call, args[2] if len(args) == 3 else None), distinct=True)


def _bag(ctx: TranslationContext, call: Call, value: Sql, predicate: Sql | None, limit: int) -> Sql:
    if value.type != "dynamic":
        raise ctx.error(f"{call.name}(): expects a dynamic property bag")
    condition = f"json_type({value}) = 'OBJECT'"
    if predicate is not None:
        condition += f" AND {coerce(predicate, 'bool')}"
    bags = f"COALESCE(CAST(to_json(list({value}) FILTER (WHERE {condition})) AS VARCHAR), '[]')"
    merged = f"CAST(kql_bag_merge({bags}) AS JSON)"
    if limit >= MAX_LIST:
        return Sql(merged, "dynamic")
    # make-bag-aggregation-function.md: maxSize limits the number of elements returned; which keys Kusto
    # keeps past the limit is not documented, so a bag over the limit is refused, never returned whole.
    refuse = sql_refusal(f"{call.name}() of more keys than its size limit ({limit})")
    return Sql(f"(CASE WHEN len(json_keys({merged})) > {limit} THEN {refuse} ELSE {merged} END)", "dynamic")


@aggregate("make_bag")
def make_bag(ctx: TranslationContext, call: Call) -> Sql:
    args = _args(ctx, call, 1, 2)
    return _bag(ctx, call, args[0], None, _limit(ctx, call, args[1] if len(args) == 2 else None))


@aggregate("make_bag_if")
def make_bag_if(ctx: TranslationContext, call: Call) -> Sql:
    args = _args(ctx, call, 2, 3)
    return _bag(ctx, call, args[0], args[1], _limit(ctx, call, args[2] if len(args) == 3 else None))


def _any_value(value: Sql, predicate: Sql | None) -> Sql:
    """take-any-aggregation-function.md: of one expression, take_any() "will attempt to return a
    non-null/non-empty value, if such value is present" (an empty string, a null dynamic)."""
    wanted = [f"{value} <> ''" if value.type == "string" else _present(value)]
    if predicate is not None:
        wanted.append(str(coerce(predicate, "bool")))
    chosen = f"any_value({value}) FILTER (WHERE {' AND '.join(wanted)})"
    if value.type == "string":
        return Sql(f"COALESCE({chosen}, '')", "string")
    if value.type == "dynamic":
        return Sql(f"COALESCE({chosen}, any_value({value}){_filter(predicate)})", "dynamic")
    return Sql(chosen, value.type)


@aggregate("take_any", "any")
def take_any(ctx: TranslationContext, call: Call) -> Sql:
    args = call.args
    if len(args) != 1:
        raise ctx.unsupported(f"{call.name}() of {len(args)} columns in this position")
    return _any_value(args[0], None)


@aggregate("take_anyif", "anyif")
def take_anyif(ctx: TranslationContext, call: Call) -> Sql:
    value, predicate = _args(ctx, call, 2, 2)
    return _any_value(value, predicate)


def _percentile(ctx: TranslationContext, call: Call, value: Sql, percent: Sql) -> Sql:
    if not percent.constant or not isinstance(percent.value, int | float):
        raise ctx.unsupported(f"{call.name}() with a non-constant percentile")
    fraction = float(percent.value) / 100
    if not 0 <= fraction <= 1:
        raise ctx.error(f"{call.name}(): the percentile must be between 0 and 100")
    if value.type not in NUMERIC_TYPES | {"datetime", "timespan"}:
        raise ctx.unsupported(f"{call.name}() of {value.type} values")
    return Sql(
        f"kql_nearest_rank(list({value} ORDER BY {value}) FILTER (WHERE {value} IS NOT NULL), {fraction})",
        value.type,
    )


@aggregate("percentile")
def percentile(ctx: TranslationContext, call: Call) -> Sql:
    value, percent = _args(ctx, call, 2, 2)
    return _percentile(ctx, call, value, percent)


@aggregate("percentilew")
def percentilew(ctx: TranslationContext, call: Call) -> Sql:
    value, weight, percent = _args(ctx, call, 3, 3)
    return weighted_percentile(ctx, call, value, weight, percent)


def weighted_percentile(ctx: TranslationContext, call: Call, value: Sql, weight: Sql, percent: Sql) -> Sql:
    """The nearest-rank percentile of the values, each counted `weight` times (rows whose weight is not a
    positive integer count for nothing)."""
    if not percent.constant or not isinstance(percent.value, int | float):
        raise ctx.unsupported(f"{call.name}() with a non-constant percentile")
    fraction = float(percent.value) / 100
    if not 0 <= fraction <= 1:
        raise ctx.error(f"{call.name}(): the percentile must be between 0 and 100")
    if value.type not in ("long", "int", "real") or weight.type not in ("long", "int"):
        raise ctx.unsupported(f"{call.name}() of {value.type} values weighted by {weight.type}")
    kept = f"FILTER (WHERE {value} IS NOT NULL AND {weight} > 0)"
    duck = {"long": "BIGINT", "int": "INTEGER", "real": "DOUBLE"}[value.type]
    return Sql(
        f"CAST(kql_weighted_rank(list(CAST({value} AS DOUBLE) ORDER BY {value}) {kept}, "
        f"list(CAST({weight} AS BIGINT) ORDER BY {value}) {kept}, {fraction}) AS {duck})",
        value.type,
    )


@aggregate("percentilesw")
def percentilesw(ctx: TranslationContext, call: Call) -> Sql:
    args = _args(ctx, call, 3, 64)
    if len(args) != 3:
        raise ctx.unsupported("percentilesw() of several percentiles in this position")
    return weighted_percentile(ctx, call, args[0], args[1], args[2])


def _percent_list(ctx: TranslationContext, call: Call, given: list[Sql]) -> list[Sql]:
    """The percentiles of `percentiles_array()`: constants, or one constant dynamic array of them."""
    if len(given) == 1 and given[0].type == "dynamic":
        listed = given[0].value
        if not given[0].constant or not isinstance(listed, list):
            raise ctx.unsupported(f"{call.name}() with a non-constant array of percentiles")
        return [Sql(repr(p), "real", constant=True, value=p) for p in listed]
    return given


@aggregate("percentiles_array")
def percentiles_array(ctx: TranslationContext, call: Call) -> Sql:
    args = _args(ctx, call, 2, 64)
    each = [_percentile(ctx, call, args[0], p) for p in _percent_list(ctx, call, args[1:])]
    return Sql(f"CAST(json_array({', '.join(str(as_dynamic(e)) for e in each)}) AS JSON)", "dynamic")


@aggregate("percentilesw_array")
def percentilesw_array(ctx: TranslationContext, call: Call) -> Sql:
    args = _args(ctx, call, 3, 64)
    percents = _percent_list(ctx, call, args[2:])
    each = [weighted_percentile(ctx, call, args[0], args[1], p) for p in percents]
    return Sql(f"CAST(json_array({', '.join(str(as_dynamic(e)) for e in each)}) AS JSON)", "dynamic")


@aggregate("binary_all_and", "binary_all_or", "binary_all_xor")
def binary_all(ctx: TranslationContext, call: Call) -> Sql:
    (value,) = _args(ctx, call, 1, 1)
    if value.type not in INTEGER_TYPES:
        raise ctx.unsupported(f"{call.name}() of {value.type} values")
    function = {"binary_all_and": "bit_and", "binary_all_or": "bit_or", "binary_all_xor": "bit_xor"}[
        call.name
    ]
    return Sql(f"{function}({as_long(value)})", "long")


@aggregate("percentiles")
def percentiles(ctx: TranslationContext, call: Call) -> Sql:
    args = _args(ctx, call, 2, 64)
    if len(args) != 2:
        raise ctx.unsupported("percentiles() of several percentiles in this position")
    return _percentile(ctx, call, args[0], args[1])


def _spread(function: str) -> AggregateTranslator:
    def translate(ctx: TranslationContext, call: Call) -> Sql:
        args = _args(ctx, call, 1, 2)
        value = args[0]
        if value.type not in NUMERIC_TYPES | {"dynamic", "bool"}:
            raise ctx.unsupported(f"{call.name}() of {value.type} values")
        predicate = args[1] if len(args) == 2 else None
        # Kusto's spread of fewer than two values is 0.
        return Sql(f"COALESCE({function}({as_real(value)}){_filter(predicate)}, 0.0)", "real")

    return translate


def _covariance(function: str) -> AggregateTranslator:
    def translate(ctx: TranslationContext, call: Call) -> Sql:
        args = _args(ctx, call, 2, 3)
        predicate = args[2] if len(args) == 3 else None
        return Sql(
            f"COALESCE({function}({as_real(args[0])}, {as_real(args[1])}){_filter(predicate)}, 0.0)", "real"
        )

    return translate


aggregate("covariance", "covarianceif")(_covariance("covar_samp"))
aggregate("covariancep", "covariancepif")(_covariance("covar_pop"))


aggregate("stdev")(_spread("stddev_samp"))
aggregate("stdevif")(_spread("stddev_samp"))
aggregate("stdevp")(_spread("stddev_pop"))
aggregate("stdevpif")(_spread("stddev_pop"))
aggregate("variance")(_spread("var_samp"))
aggregate("varianceif")(_spread("var_samp"))
aggregate("variancep")(_spread("var_pop"))
aggregate("variancepif")(_spread("var_pop"))


@aggregate("hll", "hll_if")
def hll(ctx: TranslationContext, call: Call) -> Sql:
    args = _args(ctx, call, 1, 3)
    predicate = args[1] if call.name == "hll_if" and len(args) >= 2 else None
    values = _list(args[0], predicate, MAX_LIST, distinct=True)
    # The hll of no values is null (the reference's summarize example over an empty table).
    return Sql(f"(CASE WHEN count({args[0]}){_filter(predicate)} = 0 THEN NULL ELSE {values} END)", "dynamic")


@aggregate("hll_merge")
def hll_merge(ctx: TranslationContext, call: Call) -> Sql:
    (value,) = _args(ctx, call, 1, 1)
    merged = f"COALESCE(CAST(to_json(list({value})) AS VARCHAR), '[]')"
    return Sql(f"CAST(kql_set_union({merged}) AS JSON)", "dynamic")


@aggregate("tdigest")
def tdigest(ctx: TranslationContext, call: Call) -> Sql:
    """Null for no values (the reference's summarize example); of values, Kusto's digest is an opaque
    structure the engine does not build, and the query stops."""
    args = _args(ctx, call, 1, 2)
    refuse = sql_refusal("tdigest() of values (Kusto's digest structure is not reproduced)")
    return Sql(
        f"(CASE WHEN count({args[0]}) = 0 THEN CAST(NULL AS JSON) ELSE {refuse} END)",
        "dynamic",
    )


@aggregate("tdigest_merge", "merge_tdigest", "make_bag_with_nulls", "make_list_with_nulls_if")
def not_yet(ctx: TranslationContext, call: Call) -> Sql:
    raise ctx.unsupported(f"the aggregation {call.name}()")
