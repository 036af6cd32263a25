"""Dynamic (JSON) functions: arrays, property bags, sets, pack/bag_pack/pack_array, zip, range, repeat.

Most run as the Python helpers of `collections` on JSON text; scalars entering a dynamic value are converted
the way Kusto stores them (datetimes as ISO strings, timespans as `d.hh:mm:ss`).
"""

from __future__ import annotations

from kqlrules.engine.functions import series
from kqlrules.engine.functions.registry import Call, ScalarTranslator, TranslationContext, scalar
from kqlrules.engine.functions.support import (
    INTEGER_TYPES,
    NUMERIC_TYPES,
    arity,
    as_dynamic,
    as_long,
    as_real,
    as_string,
    fn,
    never_null,
)
from kqlrules.engine.sql import Sql


def _text(value: Sql) -> str:
    return f"CAST({as_dynamic(value)} AS VARCHAR)"


def _json(text: str) -> Sql:
    return Sql(f"CAST({text} AS JSON)", "dynamic")


def _packed(args: list[Sql]) -> str:
    """Several values as the text of one JSON array (for variadic helpers)."""
    return f"CAST(json_array({', '.join(str(as_dynamic(a)) for a in args)}) AS VARCHAR)"


def _array_arg(ctx: TranslationContext, call: Call, value: Sql) -> Sql:
    if value.type != "dynamic":
        raise ctx.error(f"{call.name}(): expects a dynamic array, got {value.type}")
    return value


@scalar("array_length", "arraylength")
def array_length(ctx: TranslationContext, call: Call) -> Sql:
    (array,) = arity(ctx, call, 1)
    return Sql(fn("kql_array_length", _text(_array_arg(ctx, call, array))), "long")


@scalar("array_concat")
def array_concat(ctx: TranslationContext, call: Call) -> Sql:
    args = arity(ctx, call, 1, 64)
    return _json(fn("kql_array_concat", _packed(args)))


@scalar("array_slice")
def array_slice(ctx: TranslationContext, call: Call) -> Sql:
    array, start, end = arity(ctx, call, 3)
    return _json(fn("kql_array_slice", _text(array), as_long(start), as_long(end)))


@scalar("array_reverse")
def array_reverse(ctx: TranslationContext, call: Call) -> Sql:
    (array,) = arity(ctx, call, 1)
    return _json(fn("kql_array_reverse", _text(array)))


@scalar("array_index_of")
def array_index_of(ctx: TranslationContext, call: Call) -> Sql:
    args = arity(ctx, call, 2, 5)
    start = as_long(args[2]) if len(args) > 2 else "0"
    length = as_long(args[3]) if len(args) > 3 else "-1"
    occurrence = as_long(args[4]) if len(args) > 4 else "1"
    return Sql(fn("kql_array_index_of", _text(args[0]), _text(args[1]), start, length, occurrence), "long")


def _sort(descending: bool) -> ScalarTranslator:
    def translate(ctx: TranslationContext, call: Call) -> Sql:
        args = arity(ctx, call, 1, 64)
        nulls_last = "TRUE"
        if args[-1].type == "bool":
            nulls_last = str(args[-1])
            args = args[:-1]
        sorted_arrays = fn("kql_array_sort", _packed(args), "TRUE" if descending else "FALSE", nulls_last)
        if len(args) > 1:
            # Several arrays: all of them, reordered the way the first one sorts.
            return _json(sorted_arrays)
        return _json(f"json_extract({sorted_arrays}, '$[0]')")

    return translate


scalar("array_sort_asc")(_sort(False))
scalar("array_sort_desc")(_sort(True))


@scalar("array_sum")
def array_sum(ctx: TranslationContext, call: Call) -> Sql:
    (array,) = arity(ctx, call, 1)
    return Sql(fn("kql_array_sum", _text(array)), "real")


@scalar("array_rotate_left", "array_rotate_right")
def array_rotate(ctx: TranslationContext, call: Call) -> Sql:
    array, shift = arity(ctx, call, 2)
    amount = as_long(shift) if call.name == "array_rotate_left" else Sql(f"(-{as_long(shift)})", "long")
    return _json(fn("kql_array_rotate", _text(array), amount))


@scalar("array_shift_left", "array_shift_right")
def array_shift(ctx: TranslationContext, call: Call) -> Sql:
    args = arity(ctx, call, 2, 3)
    amount = as_long(args[1]) if call.name == "array_shift_left" else Sql(f"(-{as_long(args[1])})", "long")
    fill = _text(args[2]) if len(args) == 3 else "'null'"
    return _json(fn("kql_array_shift", _text(args[0]), amount, fill))


@scalar("array_split")
def array_split(ctx: TranslationContext, call: Call) -> Sql:
    array, indices = arity(ctx, call, 2)
    return _json(fn("kql_array_split", _text(array), _text(indices)))


@scalar("array_iff", "array_iif")
def array_iff(ctx: TranslationContext, call: Call) -> Sql:
    conditions, when_true, when_false = arity(ctx, call, 3)
    return _json(fn("kql_array_iff", _text(conditions), _text(when_true), _text(when_false)))


@scalar("bag_keys")
def bag_keys(ctx: TranslationContext, call: Call) -> Sql:
    (bag,) = arity(ctx, call, 1)
    return _json(fn("kql_bag_keys", _text(bag)))


@scalar("bag_has_key")
def bag_has_key(ctx: TranslationContext, call: Call) -> Sql:
    bag, key = arity(ctx, call, 2)
    return Sql(fn("kql_bag_has_key", _text(bag), as_string(key)), "bool")


@scalar("bag_merge")
def bag_merge(ctx: TranslationContext, call: Call) -> Sql:
    args = arity(ctx, call, 2, 64)
    return _json(fn("kql_bag_merge", _packed(args)))


@scalar("treepath")
def treepath(ctx: TranslationContext, call: Call) -> Sql:
    (value,) = arity(ctx, call, 1)
    return _json(fn("kql_treepath", _text(value)))


@scalar("bag_set_key")
def bag_set_key(ctx: TranslationContext, call: Call) -> Sql:
    bag, key, value = arity(ctx, call, 3)
    return _json(fn("kql_bag_set_key", _text(bag), as_string(key), _text(value)))


@scalar("bag_remove_keys")
def bag_remove_keys(ctx: TranslationContext, call: Call) -> Sql:
    bag, keys = arity(ctx, call, 2)
    return _json(fn("kql_bag_remove_keys", _text(bag), _text(keys)))


@scalar("bag_zip")
def bag_zip(ctx: TranslationContext, call: Call) -> Sql:
    keys, values = arity(ctx, call, 2)
    return _json(fn("kql_bag_zip", _text(keys), _text(values)))


@scalar("bag_pack", "pack")
def bag_pack(ctx: TranslationContext, call: Call) -> Sql:
    args = arity(ctx, call, 0, 128)
    if len(args) % 2:
        raise ctx.unsupported(f"{call.name}() of an odd number of arguments (it reads key/value pairs)")
    pairs = ", ".join(f"{as_string(args[i])}, {as_dynamic(args[i + 1])}" for i in range(0, len(args), 2))
    return _json(f"json_object({pairs})")


@scalar("pack_array")
def pack_array(ctx: TranslationContext, call: Call) -> Sql:
    args = arity(ctx, call, 1, 128)
    return _json(f"json_array({', '.join(str(as_dynamic(a)) for a in args)})")


@scalar("pack_all", "pack_dictionary")
def needs_columns(ctx: TranslationContext, call: Call) -> Sql:
    raise ctx.unsupported(f"{call.name}() (it needs the row's column names)")


@scalar("set_union", "set_intersect", "set_difference")
def set_operation(ctx: TranslationContext, call: Call) -> Sql:
    args = arity(ctx, call, 2, 64)
    return _json(fn(f"kql_{call.name}", _packed(args)))


@scalar("set_has_element")
def set_has_element(ctx: TranslationContext, call: Call) -> Sql:
    array, value = arity(ctx, call, 2)
    return Sql(fn("kql_set_has_element", _text(array), _text(value)), "bool")


@scalar("jaccard_index")
def jaccard_index(ctx: TranslationContext, call: Call) -> Sql:
    left, right = arity(ctx, call, 2)
    return Sql(fn("kql_jaccard_index", _text(left), _text(right)), "real")


@scalar("zip")
def zip_(ctx: TranslationContext, call: Call) -> Sql:
    args = arity(ctx, call, 2, 16)
    return _json(fn("kql_zip", _packed(args)))


@scalar("repeat")
def repeat(ctx: TranslationContext, call: Call) -> Sql:
    value, count = arity(ctx, call, 2)
    return _json(fn("kql_repeat", _text(value), as_long(count)))


@scalar("range")
def range_(ctx: TranslationContext, call: Call) -> Sql:
    args = arity(ctx, call, 2, 3)
    start, stop = args[0], args[1]
    if start.type in NUMERIC_TYPES and stop.type in NUMERIC_TYPES:
        step = args[2] if len(args) == 3 else Sql("1", "long")
        integral = {start.type, stop.type, step.type} <= INTEGER_TYPES
        text = fn(
            "kql_numeric_range", as_real(start), as_real(stop), as_real(step), "TRUE" if integral else "FALSE"
        )
        return _json(text)
    if start.type == "datetime" and stop.type == "datetime":
        step = args[2] if len(args) == 3 else Sql("864000000000", "timespan")
        if step.type != "timespan":
            raise ctx.unsupported(f"range() of datetimes by a {step.type}")
        # On ticks, so that every element is exact to the tick.
        series = f"generate_series(kql_ticks({start}), kql_ticks({stop}), {step})"
        return _json(f"to_json(list_transform({series}, lambda t: kql_format_datetime(t)))")
    if start.type == "timespan" and stop.type == "timespan":
        step = args[2] if len(args) == 3 else Sql("36000000000", "timespan")
        series = f"generate_series({start}, {stop}, {step})"
        return _json(f"to_json(list_transform({series}, lambda t: kql_format_timespan(t)))")
    raise ctx.unsupported(f"range() from {start.type} to {stop.type}")


@scalar("dcount_hll")
def dcount_hll(ctx: TranslationContext, call: Call) -> Sql:
    """The exact distinct count of an `hll()` value (here the JSON array of the distinct values)."""
    (value,) = arity(ctx, call, 1)
    return Sql(fn("kql_array_length", _text(value)), "long")


@scalar("hll_merge")
def hll_merge(ctx: TranslationContext, call: Call) -> Sql:
    """The union of `hll()` values (here JSON arrays of distinct values)."""
    args = arity(ctx, call, 2, 64)
    return _json(fn("kql_set_union", _packed(args)))


@scalar("unicode_codepoints_from_string")
def unicode_codepoints_from_string(ctx: TranslationContext, call: Call) -> Sql:
    (text,) = arity(ctx, call, 1)
    return _json(f"to_json(list_transform(string_split({as_string(text)}, ''), lambda c: unicode(c)))")


@scalar("unicode_codepoints_to_string", "make_string")
def unicode_codepoints_to_string(ctx: TranslationContext, call: Call) -> Sql:
    args = arity(ctx, call, 1, 64)
    return never_null(fn("kql_codepoints_to_string", _packed(args)))


@scalar(*series.BINARY)
def series_binary(ctx: TranslationContext, call: Call) -> Sql:
    left, right = arity(ctx, call, 2)
    return _json(fn(f"kql_{call.name}", _text(left), _text(right)))


@scalar(*series.UNARY)
def series_unary(ctx: TranslationContext, call: Call) -> Sql:
    (values,) = arity(ctx, call, 1)
    return _json(fn(f"kql_{call.name}", _text(values)))


@scalar("series_sum", "series_product")
def series_total(ctx: TranslationContext, call: Call) -> Sql:
    (values,) = arity(ctx, call, 1)
    return Sql(fn(f"kql_{call.name}", _text(values)), "real")


@scalar("series_stats_dynamic")
def series_stats_dynamic(ctx: TranslationContext, call: Call) -> Sql:
    args = arity(ctx, call, 1, 2)
    if len(args) == 2:
        raise ctx.unsupported("series_stats_dynamic() with ignore_nonfinite")
    return _json(fn("kql_series_stats_dynamic", _text(args[0])))


@scalar("series_dot_product", "series_cosine_similarity")
def series_pairwise(ctx: TranslationContext, call: Call) -> Sql:
    args = arity(ctx, call, 2, 4)
    if len(args) > 2:
        raise ctx.unsupported(f"{call.name}() with precomputed magnitudes")
    return Sql(fn(f"kql_{call.name}", _text(args[0]), _text(args[1])), "real")


@scalar("series_fill_backward", "series_fill_forward")
def series_fill(ctx: TranslationContext, call: Call) -> Sql:
    args = arity(ctx, call, 1, 2)
    missing = _text(args[1]) if len(args) == 2 else "'null'"
    return _json(fn(f"kql_{call.name}", _text(args[0]), missing))


@scalar("series_fill_const")
def series_fill_const(ctx: TranslationContext, call: Call) -> Sql:
    args = arity(ctx, call, 2, 3)
    missing = _text(args[2]) if len(args) == 3 else "'null'"
    return _json(fn("kql_series_fill_const", _text(args[0]), _text(args[1]), missing))


@scalar("dynamic_to_json")
def dynamic_to_json(ctx: TranslationContext, call: Call) -> Sql:
    """A dynamic value as canonical JSON text (keys sorted)."""
    (value,) = arity(ctx, call, 1)
    return never_null(fn("kql_dynamic_to_json", _text(value)))


@scalar("series_fill_linear")
def series_fill_linear(ctx: TranslationContext, call: Call) -> Sql:
    args = arity(ctx, call, 1, 4)
    missing = _text(args[1]) if len(args) >= 2 else "'null'"
    fill_edges = args[2].text if len(args) >= 3 else "TRUE"
    constant = _text(args[3]) if len(args) == 4 else "'0'"
    return _json(fn("kql_series_fill_linear", _text(args[0]), missing, fill_edges, constant))


@scalar("series_magnitude")
def series_magnitude(ctx: TranslationContext, call: Call) -> Sql:
    (values,) = arity(ctx, call, 1)
    return Sql(fn("kql_series_magnitude", _text(values)), "real")


@scalar("series_pearson_correlation")
def series_pearson_correlation(ctx: TranslationContext, call: Call) -> Sql:
    left, right = arity(ctx, call, 2)
    return Sql(fn("kql_series_pearson_correlation", _text(left), _text(right)), "real")
