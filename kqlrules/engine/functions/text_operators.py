"""String operators: the has/contains/startswith/endswith families, matches regex, in/in~, has_any,
has_all, between.

`has` matches whole terms: Kusto breaks text into maximal runs of ASCII letters and digits, and `has x` is
true when `x` occurs with no letter or digit glued to it on either side (`hasprefix`: on its left;
`hassuffix`: on its right). A needle starting or ending with punctuation needs no boundary at that edge.
"""

from __future__ import annotations

import json
from typing import Any

from kqlrules.engine.functions import terms
from kqlrules.engine.functions.registry import Call, SqlList, SqlSubquery, TranslationContext, binary, scalar
from kqlrules.engine.functions.support import (
    NUMERIC_TYPES,
    arity,
    as_dynamic,
    as_real,
    as_string,
    coerce,
    json_elements,
    shift_datetime,
)
from kqlrules.engine.sql import Sql, quote_string


def _negated(kind: str) -> bool:
    return kind.startswith("Not")


def _wrap(condition: str, kind: str) -> Sql:
    return Sql(f"(NOT {condition})" if _negated(kind) else f"({condition})", "bool")


def _case_sensitive(kind: str) -> bool:
    return "Cs" in kind


@binary(
    "ContainsExpression", "ContainsCsExpression", "NotContainsExpression", "NotContainsCsExpression",
    "StartsWithExpression", "StartsWithCsExpression", "NotStartsWithExpression", "NotStartsWithCsExpression",
    "EndsWithExpression", "EndsWithCsExpression", "NotEndsWithExpression", "NotEndsWithCsExpression",
)  # fmt: skip
def substring_match(ctx: TranslationContext, left: Sql, right: Sql, kind: str) -> Sql:
    text, needle = as_string(left), as_string(right)
    if not _case_sensitive(kind):
        text, needle = Sql(f"lower({text})", "string"), Sql(f"lower({needle})", "string")
    if "Contains" in kind:
        condition = f"contains({text}, {needle})"
    elif "StartsWith" in kind:
        condition = f"starts_with({text}, {needle})"
    else:
        condition = f"suffix({text}, {needle})"
    return _wrap(condition, kind)


def _term_mode(kind: str) -> str:
    return "prefix" if "Prefix" in kind else "suffix" if "Suffix" in kind else "term"


@binary(
    "HasExpression", "HasCsExpression", "NotHasExpression", "NotHasCsExpression",
    "HasPrefixExpression", "HasPrefixCsExpression", "NotHasPrefixExpression", "NotHasPrefixCsExpression",
    "HasSuffixExpression", "HasSuffixCsExpression", "NotHasSuffixExpression", "NotHasSuffixCsExpression",
)  # fmt: skip
def term_match(ctx: TranslationContext, left: Sql, right: Sql, kind: str) -> Sql:
    return _wrap(_has(as_string(left), right, _term_mode(kind), _case_sensitive(kind)), kind)


def _has(text: Sql, needle: Sql, mode: str, case_sensitive: bool) -> str:
    if needle.constant and needle.type == "string" and isinstance(needle.value, str):
        pattern = terms.pattern(needle.value, mode, case_sensitive)
        return f"regexp_matches({text}, {quote_string(pattern)})"
    flag = "TRUE" if case_sensitive else "FALSE"
    return f"kql_has({text}, {as_string(needle)}, '{mode}', {flag})"


@binary("MatchesRegexExpression")
def matches_regex(ctx: TranslationContext, left: Sql, right: Sql, kind: str) -> Sql:
    if right.constant and isinstance(right.value, str):
        return Sql(f"regexp_matches({as_string(left)}, {quote_string(right.value)})", "bool")
    return Sql(f"regexp_matches({as_string(left)}, {as_string(right)})", "bool")


@binary("LikeExpression", "LikeCsExpression", "NotLikeExpression", "NotLikeCsExpression")
def like(ctx: TranslationContext, left: Sql, right: Sql, kind: str) -> Sql:
    raise ctx.unsupported("the like operator")


def _items(right: Sql) -> list[Sql] | None:
    """The known items of a list operand, or None when it is only a DuckDB LIST expression.

    Two shapes arrive: a `SqlList`, or (the core's) an `Sql` whose text is a DuckDB LIST of the element type
    and whose `value` is the list of item `Sql`s when every item is a literal.
    """
    if isinstance(right, SqlList):
        return list(right.items)
    if isinstance(right.value, list) and all(isinstance(v, Sql) for v in right.value):
        return list(right.value)
    return None


def _expanded_constants(items: list[Sql]) -> list[Sql] | None:
    """Constant items with constant dynamic arrays flattened, or None when some item is not constant."""
    flat: list[Sql] = []
    for item in items:
        if not item.constant:
            return None
        if item.type == "dynamic":
            values = item.value if isinstance(item.value, list) else [item.value]
            for value in values:
                flat.append(_literal_of(value))
        else:
            flat.append(item)
    return flat


def _literal_of(value: Any) -> Sql:
    if isinstance(value, bool):
        return Sql("TRUE" if value else "FALSE", "bool", constant=True, value=value)
    if isinstance(value, int):
        return Sql(f"CAST({value} AS BIGINT)", "long", constant=True, value=value)
    if isinstance(value, float):
        return Sql(f"CAST('{value!r}' AS DOUBLE)", "real", constant=True, value=value)
    if isinstance(value, str):
        return Sql(quote_string(value), "string", constant=True, value=value)
    if value is None:
        return Sql("CAST('null' AS JSON)", "dynamic", constant=True, value=None)
    return Sql(f"CAST({quote_string(json.dumps(value))} AS JSON)", "dynamic", constant=True, value=value)


@binary("InExpression", "InCsExpression", "NotInExpression", "NotInCsExpression")
def in_list(ctx: TranslationContext, left: Sql, right: Sql, kind: str) -> Sql:
    # The analyzer names `in~` InCsExpression and `in` InExpression.
    ignore_case = "Cs" in kind
    negate = kind.startswith("Not")
    if isinstance(right, SqlSubquery) and right.type == "dynamic" and left.type != "dynamic":
        return _in_dynamic_column(left, right, ignore_case, negate)
    if isinstance(right, SqlSubquery):
        needle = as_string(left) if ignore_case or right.type == "string" else left
        if ignore_case:
            condition = f"lower({needle}) IN (SELECT lower(CAST(v AS VARCHAR)) FROM {right.text} AS s(v))"
        else:
            condition = f"{needle} IN {right.text}"
        return Sql(f"(NOT {condition})" if negate else f"({condition})", "bool")
    listed_items = _items(right)
    if listed_items is None and right.type == "dynamic" and left.type != "dynamic":
        return _in_dynamic_column(left, right, ignore_case, negate)
    if listed_items is None:
        return _in_duckdb_list(left, right, ignore_case, negate)
    items = listed_items
    flat = _expanded_constants(items)
    parts: list[str] = []
    if flat is not None:
        items = flat
    scalars = [i for i in items if i.type != "dynamic" or (i.constant and not isinstance(i.value, list))]
    arrays = [i for i in items if i not in scalars]
    if left.type == "string" or left.type == "guid" or ignore_case or left.type == "dynamic":
        needle = as_string(left)
        values = [as_string(i) for i in scalars if not (i.type == "dynamic" and i.value is None)]
        if ignore_case:
            needle = Sql(f"lower({needle})", "string")
            values = [Sql(f"lower({v})", "string") for v in values]
        if values:
            parts.append(f"{needle} IN ({', '.join(str(v) for v in values)})")
        for array in arrays:
            listed = (
                f"list_transform({json_elements(array)}, lambda e: COALESCE(kql_dynamic_to_string(e), ''))"
            )
            if ignore_case:
                listed = f"list_transform({listed}, lambda e: lower(e))"
            parts.append(f"list_contains({listed}, {needle})")
    elif left.type in NUMERIC_TYPES:
        values = [
            as_real(i) for i in _numeric_items(ctx, scalars) if i.type != "dynamic" or i.value is not None
        ]
        if values:
            parts.append(f"CAST({left} AS DOUBLE) IN ({', '.join(str(v) for v in values)})")
        for array in arrays:
            listed = f"list_transform({json_elements(array)}, lambda e: kql_dynamic_to_real(e))"
            parts.append(f"list_contains({listed}, CAST({left} AS DOUBLE))")
    else:
        if arrays:
            raise ctx.unsupported(f"in with a dynamic array and a {left.type} value")
        values = [coerce(i, left.type) for i in scalars]
        if values:
            parts.append(f"{left} IN ({', '.join(str(v) for v in values)})")
    condition = " OR ".join(parts) if parts else "FALSE"
    # A null value is in no list (and not in every list), where SQL would give null.
    test = f"COALESCE(({condition}), FALSE)"
    return Sql(f"(NOT {test})" if negate else f"({test})", "bool")


def _in_dynamic_column(left: Sql, right: Sql, ignore_case: bool, negate: bool) -> Sql:
    """`x in (T | summarize make_set(c))`: a tabular list whose column is dynamic. The reference
    (in-operator): nested arrays are flattened into one list of values, so each row's array gives its
    elements, compared as `in` compares a dynamic array's elements."""
    rows = right.text if right.text.startswith("ARRAY(") else f"ARRAY(SELECT v FROM {right.text} AS s(v))"
    as_list = "CASE WHEN json_type(v) = 'ARRAY' THEN CAST(v AS JSON[]) ELSE [v] END"
    elements = f"flatten(list_transform({rows}, lambda v: {as_list}))"
    if left.type in NUMERIC_TYPES and not ignore_case:
        reals = f"list_transform({elements}, lambda e: kql_dynamic_to_real(e))"
        test = f"list_contains({reals}, CAST({left} AS DOUBLE))"
    else:
        needle, value = as_string(left), "COALESCE(kql_dynamic_to_string(e), '')"
        if ignore_case:
            needle, value = Sql(f"lower({needle})", "string"), f"lower({value})"
        test = f"list_contains(list_transform({elements}, lambda e: {value}), {needle})"
    test = f"COALESCE({test}, FALSE)"
    return Sql(f"(NOT {test})" if negate else f"({test})", "bool")


def _in_duckdb_list(left: Sql, right: Sql, ignore_case: bool, negate: bool) -> Sql:
    if ignore_case:
        lowered = f"list_transform({right}, lambda e: lower(CAST(e AS VARCHAR)))"
        test = f"list_contains({lowered}, lower({as_string(left)}))"
    else:
        test = f"list_contains({right}, {left})"
    test = f"COALESCE({test}, FALSE)"
    return Sql(f"(NOT {test})" if negate else f"({test})", "bool")


def _numeric_items(ctx: TranslationContext, items: list[Sql]) -> list[Sql]:
    """Items compared with a number: a string item must spell a number canonically (`4688`, not `04688`),
    where comparing texts and comparing values agree; a string that is no number can never be equal."""
    from kqlrules.engine.functions.formatting import format_real
    from kqlrules.engine.functions.parsing import parse_real

    kept = []
    for item in items:
        if item.type != "string":
            kept.append(item)
            continue
        if not item.constant or not isinstance(item.value, str):
            raise ctx.unsupported("in between a number and computed strings")
        number = parse_real(item.value)
        if number is None:
            continue
        canonical = str(int(number)) if number.is_integer() and "." not in item.value else format_real(number)
        if canonical != item.value:
            raise ctx.unsupported(f"in between a number and the string {item.value!r}")
        kept.append(item)
    return kept


@binary("HasAnyExpression", "HasAllExpression")
def has_any_all(ctx: TranslationContext, left: Sql, right: Sql, kind: str) -> Sql:
    text = as_string(left)
    listed_items = _items(right)
    if listed_items is None:
        fold = "list_bool_or" if kind == "HasAnyExpression" else "list_bool_and"
        each = f"kql_has({text}, CAST(e AS VARCHAR), 'term', FALSE)"
        return Sql(f"COALESCE({fold}(list_transform({right}, lambda e: {each})), FALSE)", "bool")
    items = listed_items
    flat = _expanded_constants(items)
    joiner = " OR " if kind == "HasAnyExpression" else " AND "
    if flat is not None:
        if not flat:
            return Sql("FALSE", "bool")
        return Sql("(" + joiner.join(_has(text, item, "term", False) for item in flat) + ")", "bool")
    parts = []
    for item in items:
        if item.type == "dynamic":
            function = "kql_has_any" if kind == "HasAnyExpression" else "kql_has_all"
            parts.append(f"{function}({text}, CAST({item} AS VARCHAR))")
        else:
            parts.append(_has(text, item, "term", False))
    return Sql("(" + joiner.join(parts) + ")", "bool")


@binary("BetweenExpression", "NotBetweenExpression")
def between(ctx: TranslationContext, left: Sql, right: Sql, kind: str) -> Sql:
    items = _items(right)
    if items is None or len(items) != 2:
        raise ctx.error("between expects a range (low .. high)")
    low, high = items
    if left.type == "datetime" and high.type == "timespan":
        high = Sql(shift_datetime(low, high), "datetime")
    if left.type in NUMERIC_TYPES or left.type == "dynamic":
        value, low, high = as_real(left), as_real(low), as_real(high)
    else:
        if low.type != left.type or high.type != left.type:
            raise ctx.unsupported(f"between on {left.type} with a {low.type} .. {high.type} range")
        value = left
    condition = f"{value} >= {low} AND {value} <= {high}"
    return Sql(f"(NOT ({condition}))" if kind == "NotBetweenExpression" else f"({condition})", "bool")


@scalar("has_any_index")
def has_any_index(ctx: TranslationContext, call: Call) -> Sql:
    source, values = arity(ctx, call, 2)
    return Sql(f"kql_has_any_index({as_string(source)}, CAST({as_dynamic(values)} AS VARCHAR))", "long")
