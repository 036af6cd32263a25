"""String functions: strcat, substring, split, replace_*, extract*, trim*, indexof, countof, ...

Kusto strings are never null (the empty string stands in), and functions that take a string convert any other
argument with `tostring()` first. Regular expressions are RE2 in both Kusto and DuckDB.
"""

from __future__ import annotations

import re

from kqlrules.engine.errors import refusal_sql
from kqlrules.engine.functions.registry import Call, TranslationContext, scalar
from kqlrules.engine.functions.support import (
    arity,
    as_long,
    as_string,
    coerce,
    constant_int,
    constant_string,
    fn,
    json_elements,
    never_null,
    sql_refusal,
)
from kqlrules.engine.sql import Sql, quote_string


def _strings(call: Call) -> list[Sql]:
    return [as_string(a) for a in call.args]


@scalar("strcat")
def strcat(ctx: TranslationContext, call: Call) -> Sql:
    args = arity(ctx, call, 1, 64)
    if all(a.constant for a in args) and all(a.type == "string" for a in args):
        value = "".join(str(a.value) for a in args)
        return Sql(quote_string(value), "string", constant=True, value=value)
    return Sql("(" + " || ".join(str(as_string(a)) for a in args) + ")", "string")


@scalar("strcat_delim")
def strcat_delim(ctx: TranslationContext, call: Call) -> Sql:
    args = arity(ctx, call, 3, 65)
    delimiter, *parts = (as_string(a) for a in args)
    return Sql(fn("concat_ws", delimiter, *parts), "string")


@scalar("strcat_array", "array_strcat")
def strcat_array(ctx: TranslationContext, call: Call) -> Sql:
    array, delimiter = arity(ctx, call, 2)
    items = f"list_transform({json_elements(array)}, lambda e: COALESCE(kql_dynamic_to_string(e), ''))"
    return never_null(fn("array_to_string", items, as_string(delimiter)))


@scalar("strlen")
def strlen(ctx: TranslationContext, call: Call) -> Sql:
    (value,) = arity(ctx, call, 1)
    return Sql(f"CAST(length({as_string(value)}) AS BIGINT)", "long")


@scalar("string_size")
def string_size(ctx: TranslationContext, call: Call) -> Sql:
    (value,) = arity(ctx, call, 1)
    return Sql(f"CAST(strlen({as_string(value)}) AS BIGINT)", "long")


@scalar("tolower")
def tolower(ctx: TranslationContext, call: Call) -> Sql:
    (value,) = arity(ctx, call, 1)
    return Sql(fn("lower", as_string(value)), "string")


@scalar("toupper")
def toupper(ctx: TranslationContext, call: Call) -> Sql:
    (value,) = arity(ctx, call, 1)
    # toupper-function.md says only "converts a string to upper case". Unicode's simple case mapping
    # (UnicodeData.txt, which .NET's invariant upper-casing follows) gives 'ß' no upper case, so it stays;
    # DuckDB alone maps it to 'ẞ', which no Unicode mapping does, so the text is upper-cased around each 'ß'.
    text = as_string(value)
    around = f"array_to_string(list_transform(string_split({text}, 'ß'), lambda part: upper(part)), 'ß')"
    return Sql(f"(CASE WHEN contains({text}, 'ß') THEN {around} ELSE upper({text}) END)", "string")


@scalar("reverse")
def reverse(ctx: TranslationContext, call: Call) -> Sql:
    (value,) = arity(ctx, call, 1)
    return never_null(fn("kql_reverse", as_string(value)))


@scalar("substring")
def substring(ctx: TranslationContext, call: Call) -> Sql:
    args = arity(ctx, call, 2, 3)
    text = as_string(args[0])
    start = as_long(args[1])
    # A negative start counts from the end of the string; past the end there is nothing left.
    size = f"length({text})"
    position = f"least(CASE WHEN {start} < 0 THEN greatest({size} + {start}, 0) ELSE {start} END, {size})"
    if len(args) == 2:
        return never_null(f"substr({text}, {position} + 1)")
    length = as_long(args[2])
    return never_null(
        f"(CASE WHEN {length} < 0 THEN '' ELSE substr({text}, {position} + 1, least({length}, {size})) END)"
    )


@scalar("strrep")
def strrep(ctx: TranslationContext, call: Call) -> Sql:
    args = arity(ctx, call, 2, 3)
    text = as_string(args[0])
    count = as_long(args[1])
    delimiter = as_string(args[2]) if len(args) == 3 else Sql("''", "string")
    # strrep-function.md: the multiplier "must be a value from 1 to 67108864", yet "if multiplier is more than
    # the maximal allowed value of 1024, the input string will be repeated 1024 times": the page contradicts
    # itself above 1024 and says nothing of a multiplier below 1, so both are refused.
    undocumented = "strrep() with a multiplier below 1 or above 1024 (its page contradicts itself there)"
    if args[1].constant and isinstance(args[1].value, int) and not 1 <= args[1].value <= 1024:
        raise ctx.unsupported(undocumented)
    return never_null(
        f"(CASE WHEN {count} IS NULL THEN '' "
        f"WHEN {count} < 1 OR {count} > 1024 THEN {refusal_sql(quote_string(undocumented))} "
        f"ELSE repeat({text} || {delimiter}, {count} - 1) || {text} END)"
    )


@scalar("strcmp")
def strcmp(ctx: TranslationContext, call: Call) -> Sql:
    left, right = (as_string(a) for a in arity(ctx, call, 2))
    return Sql(
        f"CAST(CASE WHEN {left} < {right} THEN -1 WHEN {left} > {right} THEN 1 ELSE 0 END AS BIGINT)", "long"
    )


@scalar("isascii")
def isascii(ctx: TranslationContext, call: Call) -> Sql:
    (value,) = arity(ctx, call, 1)
    return Sql(f"NOT regexp_matches({as_string(value)}, '[^\\x00-\\x7F]')", "bool")


# isutf8.md: "true if the argument is a valid utf8 string". The engine's strings (query text, tables read as
# text, DuckDB VARCHAR) are always valid UTF-8: a bad byte sequence never reaches a row, so it is true.
@scalar("isutf8")
def isutf8(ctx: TranslationContext, call: Call) -> Sql:
    (value,) = arity(ctx, call, 1)
    return Sql(f"({as_string(value)} IS NOT NULL)", "bool")


def _trim_pattern(ctx: TranslationContext, call: Call) -> tuple[str, Sql]:
    regex, text = arity(ctx, call, 2)
    return constant_string(ctx, call, regex, "regular expression"), as_string(text)


@scalar("trim")
def trim(ctx: TranslationContext, call: Call) -> Sql:
    pattern, text = _trim_pattern(ctx, call)
    return never_null(
        fn("regexp_replace", text, quote_string(f"^(?:{pattern})+|(?:{pattern})+$"), "''", "'g'")
    )


@scalar("trim_start")
def trim_start(ctx: TranslationContext, call: Call) -> Sql:
    pattern, text = _trim_pattern(ctx, call)
    return never_null(fn("regexp_replace", text, quote_string(f"^(?:{pattern})+"), "''"))


@scalar("trim_end")
def trim_end(ctx: TranslationContext, call: Call) -> Sql:
    pattern, text = _trim_pattern(ctx, call)
    return never_null(fn("regexp_replace", text, quote_string(f"(?:{pattern})+$"), "''"))


@scalar("split")
def split(ctx: TranslationContext, call: Call) -> Sql:
    args = arity(ctx, call, 2, 3)
    text, delimiter = as_string(args[0]), as_string(args[1])
    # split-function.md does not say what an empty delimiter does (DuckDB splits into characters; .NET's
    # String.Split reads an empty separator as white space): refused on the row that has one.
    refusal = sql_refusal("split() by an empty delimiter")
    checked = f"(CASE WHEN {delimiter} = '' THEN {refusal} ELSE {delimiter} END)"
    parts = fn("string_split", text, checked)
    if len(args) == 2:
        return Sql(f"CAST(to_json({parts}) AS JSON)", "dynamic")
    index = as_long(args[2])
    picked = (
        f"(CASE WHEN {index} >= 0 AND {index} < len({parts}) THEN [{parts}[{index} + 1]] "
        f"ELSE CAST([] AS VARCHAR[]) END)"
    )
    return Sql(f"CAST(to_json({picked}) AS JSON)", "dynamic")


@scalar("replace_string")
def replace_string(ctx: TranslationContext, call: Call) -> Sql:
    text, lookup, rewrite = (as_string(a) for a in arity(ctx, call, 3))
    return never_null(f"(CASE WHEN {lookup} = '' THEN {text} ELSE replace({text}, {lookup}, {rewrite}) END)")


@scalar("replace_regex")
def replace_regex(ctx: TranslationContext, call: Call) -> Sql:
    text, regex, rewrite = arity(ctx, call, 3)
    pattern = constant_string(ctx, call, regex, "regular expression")
    if rewrite.constant and isinstance(rewrite.value, str):
        _check_rewrite(ctx, call, rewrite.value, _group_count(pattern))
    return never_null(fn("regexp_replace", as_string(text), quote_string(pattern), as_string(rewrite), "'g'"))


def _check_rewrite(ctx: TranslationContext, call: Call, rewrite: str, groups: int) -> None:
    """replace-regex-function.md: the rewrite refers to the match as `\\0` and to capture groups as `\\1`,
    `\\2`...; RE2 (re2.md) reads `\\\\` as a backslash and rejects any other escape, or a group the regex
    does not have. What Kusto returns for a rewrite RE2 rejects is not documented: refused."""
    index = 0
    while index < len(rewrite):
        if rewrite[index] != "\\":
            index += 1
            continue
        escaped = rewrite[index + 1 : index + 2]
        if escaped.isdigit() and int(escaped) > groups:
            what = f"a rewrite naming group \\{escaped} of a regex with {groups}"
            raise ctx.unsupported(f"{call.name}() with {what}")
        if not escaped.isdigit() and escaped != "\\":
            what = "a rewrite holding a backslash not before a digit or another backslash"
            raise ctx.unsupported(f"{call.name}() with {what}")
        index += 2


@scalar("replace")
def replace_obsolete(ctx: TranslationContext, call: Call) -> Sql:
    """The obsolete replace(regex, rewrite, source): replace_regex() with its arguments in another order
    (Kusto.Language's `Functions.Replace` names them regex, rewrite, source; the Sentinel corpus writes
    `replace("([A-Fa-f]{4,})", "x", UserAgent)`)."""
    regex, rewrite, text = arity(ctx, call, 3)
    return replace_regex(ctx, Call(call.name, [text, regex, rewrite], call.result_type, call.named))


def _group_count(pattern: str) -> int:
    """How many capturing groups a regular expression has."""
    stripped = re.sub(r"\\.", "", pattern)
    stripped = re.sub(r"\[[^\]]*\]", "", stripped)
    return len(re.findall(r"\((?!\?)|\(\?P?<[A-Za-z_]", stripped))


def _group_names(pattern: str) -> list[str]:
    return re.findall(r"\(\?P?<([A-Za-z_][A-Za-z0-9_]*)>", pattern)


@scalar("extract")
def extract(ctx: TranslationContext, call: Call) -> Sql:
    args = arity(ctx, call, 3, 4)
    pattern = constant_string(ctx, call, args[0], "regular expression")
    group = constant_int(ctx, call, args[1], "capture group")
    if not 0 <= group <= _group_count(pattern):
        raise ctx.error(f"extract(): the regular expression has no capture group {group}")
    text = as_string(args[2])
    if group > 9:  # DuckDB's regexp_extract stops at group 9
        found = fn("kql_regex_group", text, quote_string(pattern), str(group))
    else:
        found = fn("regexp_extract", text, quote_string(pattern), str(group))
    matched = f"regexp_matches({text}, {quote_string(pattern)})"
    if call.result_type in ("string", "unknown"):
        return never_null(found)
    as_text = Sql(f"(CASE WHEN {matched} THEN {found} END)", "string")
    return coerce(Sql(f"COALESCE({as_text}, '')", "string"), call.result_type)


@scalar("extract_all", "extractall")
def extract_all(ctx: TranslationContext, call: Call) -> Sql:
    args = arity(ctx, call, 2, 3)
    pattern = constant_string(ctx, call, args[0], "regular expression")
    text = as_string(args[-1])
    count = _group_count(pattern)
    if count == 0:
        raise ctx.error("extract_all(): the regular expression needs at least one capture group")
    groups = list(range(1, count + 1))
    if len(args) == 3:
        if not args[1].constant or not isinstance(args[1].value, list):
            raise ctx.unsupported("extract_all() with non-constant capture groups")
        names = _group_names(pattern)
        groups = []
        for item in args[1].value:
            if isinstance(item, str) and item in names:
                groups.append(names.index(item) + 1)
            elif isinstance(item, int) and 0 <= item <= count:
                groups.append(item)
            else:
                raise ctx.error(f"extract_all(): no capture group {item!r}")
    regex = quote_string(pattern)
    if max(groups) > 9:
        listed = quote_string("[" + ", ".join(str(g) for g in groups) + "]")
        return Sql(f"CAST({fn('kql_regex_groups_all', text, regex, listed)} AS JSON)", "dynamic")
    if len(groups) == 1:
        # One capture group (one in the regex, or one chosen): a flat array of its matches.
        found = fn("regexp_extract_all", text, regex, str(groups[0]))
    else:
        picks = ", ".join(f"regexp_extract(m, {regex}, {g})" for g in groups)
        found = f"list_transform(regexp_extract_all({text}, {regex}, 0), lambda m: [{picks}])"
    return Sql(f"(CASE WHEN len({found}) > 0 THEN CAST(to_json({found}) AS JSON) END)", "dynamic")


@scalar("indexof")
def indexof(ctx: TranslationContext, call: Call) -> Sql:
    args = arity(ctx, call, 2, 5)
    text, lookup = as_string(args[0]), as_string(args[1])
    start = as_long(args[2]) if len(args) > 2 else "0"
    length = as_long(args[3]) if len(args) > 3 else "-1"
    occurrence = as_long(args[4]) if len(args) > 4 else "1"
    return Sql(fn("kql_indexof", text, lookup, start, length, occurrence), "long")


@scalar("indexof_regex")
def indexof_regex(ctx: TranslationContext, call: Call) -> Sql:
    args = arity(ctx, call, 2, 5)
    constant_string(ctx, call, args[1], "regular expression")
    text, lookup = as_string(args[0]), as_string(args[1])
    start = as_long(args[2]) if len(args) > 2 else "0"
    length = as_long(args[3]) if len(args) > 3 else "-1"
    occurrence = as_long(args[4]) if len(args) > 4 else "1"
    return Sql(fn("kql_indexof_regex", text, lookup, start, length, occurrence), "long")


@scalar("countof")
def countof(ctx: TranslationContext, call: Call) -> Sql:
    args = arity(ctx, call, 2, 3)
    kind = constant_string(ctx, call, args[2], "kind") if len(args) == 3 else "normal"
    text, search = as_string(args[0]), as_string(args[1])
    if kind == "regex":
        constant_string(ctx, call, args[1], "regular expression")
        return Sql(f"CAST(len(regexp_extract_all({text}, {search}, 0)) AS BIGINT)", "long")
    if kind != "normal":
        raise ctx.error(f"countof(): kind must be 'normal' or 'regex', not {kind!r}")
    # Plain matches may overlap: count every starting position.
    return Sql(fn("kql_countof", text, search), "long")


@scalar("translate")
def translate(ctx: TranslationContext, call: Call) -> Sql:
    search, replacement, text = (as_string(a) for a in arity(ctx, call, 3))
    return never_null(fn("kql_translate", search, replacement, text))


@scalar("regex_quote")
def regex_quote(ctx: TranslationContext, call: Call) -> Sql:
    (text,) = arity(ctx, call, 1)
    return never_null(fn("kql_regex_quote", as_string(text)))


@scalar("tohex")
def tohex(ctx: TranslationContext, call: Call) -> Sql:
    args = arity(ctx, call, 1, 2)
    if args[0].type not in ("int", "long"):
        raise ctx.unsupported(f"tohex() of a {args[0].type} value")
    width = as_long(args[1]) if len(args) == 2 else "0"
    bits = "32" if args[0].type == "int" else "64"
    return never_null(fn("kql_tohex", as_long(args[0]), width, bits))


@scalar("format_bytes")
def format_bytes(ctx: TranslationContext, call: Call) -> Sql:
    args = arity(ctx, call, 1, 4)
    if len(args) == 4:
        raise ctx.unsupported("format_bytes() with a base")
    precision = as_long(args[1]) if len(args) > 1 else "0"
    units = as_string(args[2]) if len(args) > 2 else "''"
    return never_null(
        fn(
            "kql_format_bytes",
            f"CAST({as_long(args[0]) if args[0].type != 'real' else args[0]} AS DOUBLE)",
            precision,
            units,
        )
    )


@scalar("replace_strings")
def replace_strings(ctx: TranslationContext, call: Call) -> Sql:
    text, lookups, rewrites = arity(ctx, call, 3)
    if lookups.type != "dynamic" or rewrites.type != "dynamic":
        raise ctx.error("replace_strings(): expects dynamic arrays of lookups and rewrites")
    return never_null(
        fn(
            "kql_replace_strings",
            as_string(text),
            f"CAST({lookups} AS VARCHAR)",
            f"CAST({rewrites} AS VARCHAR)",
        )
    )
