"""Binary operators: arithmetic (with datetime/timespan rules), comparisons, logic, and the string operators.

Keyed by the analyzer's SyntaxKind. Kusto rules that differ from SQL and are kept here:
- int/long arithmetic gives long and divides by truncation; a real operand makes the result real;
- real division by zero gives +/-infinity or NaN; `%` is never negative (`-14 % 12 == 10`);
- datetime - datetime is a timespan, datetime +/- timespan a datetime, timespan / timespan a real;
- `==` between a null and a non-null value is false (`!=` true); between two nulls it is null;
- string operators compare text: a non-string side is converted with `tostring()` first.
"""

from __future__ import annotations

from kqlrules.engine.errors import refusal_sql
from kqlrules.engine.functions.registry import TranslationContext, binary
from kqlrules.engine.functions.support import (
    NUMERIC_TYPES,
    as_real,
    as_string,
    coerce,
    numeric_result_type,
    shift_datetime,
    ticks_between,
)
from kqlrules.engine.sql import Sql, quote_string

_SYMBOLS = {
    "AddExpression": "+",
    "SubtractExpression": "-",
    "MultiplyExpression": "*",
    "DivideExpression": "/",
    "ModuloExpression": "%",
}


def _numeric(left: Sql, right: Sql, op: str) -> Sql:
    result = numeric_result_type(left, right)
    if result == "real":
        a, b = as_real(left), as_real(right)
        if op == "/":
            return Sql(
                f"(CASE WHEN {b} = 0 THEN (CASE WHEN {a} > 0 THEN CAST('inf' AS DOUBLE) "
                f"WHEN {a} < 0 THEN CAST('-inf' AS DOUBLE) ELSE CAST('nan' AS DOUBLE) END) "
                f"ELSE {a} / {b} END)",
                "real",
            )
        if op == "%":
            return Sql(f"kql_real_mod({a}, {b})", "real")
        return Sql(f"({a} {op} {b})", "real")
    a_text, b_text = f"CAST({left} AS BIGINT)", f"CAST({right} AS BIGINT)"
    if op == "/":
        return Sql(f"({a_text} // {b_text})", "long")
    if op == "%":
        return Sql(f"kql_mod({a_text}, {b_text})", "long")
    return Sql(f"({a_text} {op} {b_text})", "long")


def _whole_number(value: Sql) -> Sql:
    """A dynamic operand of arithmetic with an int or long: Kusto's analyzer types `dynamic + long` as long
    (Kusto-Query-Language, src/Kusto.Language/Operators.cs: `Signature(ReturnTypeKind.Parameter1, Dynamic,
    Number)`), so the arithmetic is long arithmetic (`dynamic(7) / 2` is 3). What Kusto makes of a dynamic
    real or text there is documented nowhere: such a value is refused when the query runs."""
    kind = f"json_type({value})"
    construct = "arithmetic between a long and a dynamic value that is not a whole number"
    refuse = refusal_sql(quote_string(construct))
    return Sql(
        f"(CASE WHEN {value} IS NULL OR {kind} = 'NULL' THEN NULL "
        f"WHEN {kind} IN ('BIGINT', 'UBIGINT') AND TRY_CAST({value} AS BIGINT) IS NOT NULL "
        f"THEN CAST({value} AS BIGINT) ELSE {refuse} END)",
        "long",
    )


def _scalar_type(value: Sql, other: Sql, arithmetic: bool = False) -> Sql:
    """A dynamic operand takes the type of the other side (Kusto converts it at run time)."""
    if arithmetic and value.type == "dynamic" and other.type in ("int", "long"):
        return _whole_number(value)
    if value.type == "dynamic" and other.type != "dynamic":
        target = "real" if other.type in NUMERIC_TYPES else other.type
        return coerce(value, target)
    return value


def _dynamic_pair(left: Sql, right: Sql, op: str) -> Sql:
    """Arithmetic of two dynamic values (typed dynamic by the analyzer). Two JSON whole numbers add, subtract
    and multiply as longs (as `dynamic(7) + 1` does), a real among them makes it real arithmetic, a null is
    null. Whether two whole numbers divide as longs or reals, and what a string, bool, array or bag operand
    gives, is not documented: refused when the query runs."""
    refuse = refusal_sql(quote_string(f"the operator {op} between these dynamic values"))
    nulls = " OR ".join(f"({v} IS NULL OR json_type({v}) = 'NULL')" for v in (left, right))
    whole = " AND ".join(
        f"(json_type({v}) IN ('BIGINT', 'UBIGINT') AND TRY_CAST({v} AS BIGINT) IS NOT NULL)"
        for v in (left, right)
    )
    numbers = " AND ".join(f"json_type({v}) IN ('BIGINT', 'UBIGINT', 'DOUBLE')" for v in (left, right))
    longs = Sql(f"CAST({left} AS BIGINT)", "long"), Sql(f"CAST({right} AS BIGINT)", "long")
    as_long_result = f"CAST({_numeric(longs[0], longs[1], op)} AS JSON)" if op in "+-*" else refuse
    as_real_result = f"CAST({_numeric(as_real(left), as_real(right), op)} AS JSON)"
    return Sql(
        f"(CASE WHEN {nulls} THEN NULL WHEN {whole} THEN {as_long_result} "
        f"WHEN {numbers} THEN {as_real_result} ELSE {refuse} END)",
        "dynamic",
    )


@binary("AddExpression", "SubtractExpression", "MultiplyExpression", "DivideExpression", "ModuloExpression")
def arithmetic(ctx: TranslationContext, left: Sql, right: Sql, kind: str) -> Sql:
    op = _SYMBOLS[kind]
    if left.type == "dynamic" and right.type == "dynamic":
        return _dynamic_pair(left, right, op)
    left, right = _scalar_type(left, right, arithmetic=True), _scalar_type(right, left, arithmetic=True)
    kinds = (left.type, right.type)
    numeric = NUMERIC_TYPES | {"bool"}
    if kinds[0] in NUMERIC_TYPES and kinds[1] in NUMERIC_TYPES:
        if "decimal" in kinds:
            # scalar-data-types/decimal.md: an exact 128-bit decimal (0.1 + 0.2 is 0.3); the engine's decimals
            # are doubles, whose arithmetic would answer 0.30000000000000004.
            raise ctx.unsupported(f"arithmetic ({op}) on decimal values")
        return _numeric(left, right, op)
    # Both datetime and timespan count 100-ns ticks (scalar-data-types/datetime.md, timespan.md): the sum is
    # exact to the tick.
    if op == "+" and kinds == ("datetime", "timespan"):
        return Sql(shift_datetime(left, right), "datetime")
    if op == "+" and kinds == ("timespan", "datetime"):
        return Sql(shift_datetime(right, left), "datetime")
    if op == "-" and kinds == ("datetime", "timespan"):
        return Sql(shift_datetime(left, f"-({right})"), "datetime")
    if op == "-" and kinds == ("datetime", "datetime"):
        return Sql(ticks_between(left, right), "timespan")
    if kinds == ("timespan", "timespan"):
        if op in "+-":
            return Sql(f"({left} {op} {right})", "timespan")
        if op == "/":
            return _numeric(as_real(left), as_real(right), "/")
        if op == "%":
            return Sql(f"kql_mod({left}, {right})", "timespan")
    if kinds[0] == "timespan" and kinds[1] in numeric and op in "*/":
        scaled = _numeric(Sql(str(left), "long"), right, op)
        return Sql(f"CAST(trunc({scaled}) AS BIGINT)", "timespan")
    if kinds[1] == "timespan" and kinds[0] in numeric and op == "*":
        scaled = _numeric(left, Sql(str(right), "long"), op)
        return Sql(f"CAST(trunc({scaled}) AS BIGINT)", "timespan")
    raise ctx.unsupported(f"the operator {op} between {left.type} and {right.type}")


_COMPARISONS = {
    "LessThanExpression": "<",
    "LessThanOrEqualExpression": "<=",
    "GreaterThanExpression": ">",
    "GreaterThanOrEqualExpression": ">=",
}


def _comparable(ctx: TranslationContext, left: Sql, right: Sql, what: str) -> tuple[Sql, Sql]:
    left, right = _scalar_type(left, right), _scalar_type(right, left)
    kinds = {left.type, right.type}
    if kinds <= NUMERIC_TYPES | {"dynamic"} or len(kinds) == 1:
        if kinds == {"dynamic"}:
            return as_string(left), as_string(right)
        return left, right
    if kinds == {"string", "guid"}:
        return Sql(f"lower({as_string(left)})", "string"), Sql(f"lower({as_string(right)})", "string")
    raise ctx.unsupported(f"{what} between {left.type} and {right.type}")


def _dynamic_number(value: Sql, other: Sql) -> Sql:
    """A dynamic operand ordered against a number: a JSON number compares as a real, a JSON null is null.
    How Kusto orders a dynamic string, bool, array or bag against a number is not documented (the analyzer
    only types it: Operators.cs `Signature(Bool, Dynamic, Number)`): refused when the query runs."""
    if value.type != "dynamic" or other.type not in NUMERIC_TYPES:
        return value
    kind = f"json_type({value})"
    refuse = refusal_sql(quote_string("ordering a dynamic value that is not a number against a number"))
    return Sql(
        f"(CASE WHEN {value} IS NULL OR {kind} = 'NULL' THEN NULL "
        f"WHEN {kind} IN ('BIGINT', 'UBIGINT', 'DOUBLE') THEN {as_real(value)} ELSE {refuse} END)",
        "real",
    )


def _both_dynamic_numbers(left: Sql, right: Sql) -> tuple[Sql, Sql]:
    """Two dynamic operands ordered: JSON numbers compare as numbers (their texts would put 10 before 9);
    a null is null; any other pair's order is not documented and is refused when the query runs."""
    refuse = refusal_sql(quote_string("ordering dynamic values that are not both numbers"))
    nulls = " OR ".join(f"({v} IS NULL OR json_type({v}) = 'NULL')" for v in (left, right))
    numbers = " AND ".join(f"json_type({v}) IN ('BIGINT', 'UBIGINT', 'DOUBLE')" for v in (left, right))
    sides = [
        Sql(f"(CASE WHEN {nulls} THEN NULL WHEN {numbers} THEN {as_real(v)} ELSE {refuse} END)", "real")
        for v in (left, right)
    ]
    return sides[0], sides[1]


@binary(*_COMPARISONS)
def comparison(ctx: TranslationContext, left: Sql, right: Sql, kind: str) -> Sql:
    op = _COMPARISONS[kind]
    if left.type == "dynamic" and right.type == "dynamic":
        left, right = _both_dynamic_numbers(left, right)
    left, right = _dynamic_number(left, right), _dynamic_number(right, left)
    left, right = _comparable(ctx, left, right, f"the comparison {op}")
    return Sql(f"({left} {op} {right})", "bool")


def _nullable_equality(left: Sql, right: Sql, negate: bool) -> Sql:
    if left.type == "string" and right.type == "string":
        return Sql(f"({left} {'<>' if negate else '='} {right})", "bool")
    both_null = f"{left} IS NULL AND {right} IS NULL"
    test = "IS DISTINCT FROM" if negate else "IS NOT DISTINCT FROM"
    return Sql(f"(CASE WHEN {both_null} THEN NULL ELSE {left} {test} {right} END)", "bool")


_TEXT_FORMS = {
    "long": ("kql_parse_long({s})", "CAST({p} AS VARCHAR)"),
    "int": ("kql_parse_long({s})", "CAST({p} AS VARCHAR)"),
    "real": ("kql_parse_real({s})", "kql_format_real({p})"),
    "bool": ("kql_parse_bool({s})", "(CASE WHEN {p} THEN 'true' ELSE 'false' END)"),
}


def _string_against(ctx: TranslationContext, text: Sql, value: Sql, negate: bool) -> Sql:
    """`==` between a string and a number or bool (`ResultType == 0` on a string column, `EventID == '4688'`).

    Comparing the texts and comparing the values agree unless the string is a non-canonical spelling of a
    value (`00`, `+5`, `True`): such a row is refused when the query runs. A non-canonical constant
    (`IsInteractive == 'False'`) never equals a value's text, so the readings differ only on the rows that
    hold its value: the plan answers the others and refuses those at run time.
    """
    parse, canonical = _TEXT_FORMS["long" if value.type == "int" else value.type]
    parsed = parse.format(s=text)
    if text.constant and isinstance(text.value, str):
        parsed_value = _parse_constant(text.value, value.type)
        if parsed_value is None:
            return Sql("TRUE" if negate else "FALSE", "bool")
        if _canonical_text(parsed_value, value.type) != text.value:
            construct = f"{'!=' if negate else '=='} between {value.type} and the string {text.value!r}"
            if value.constant:
                if value.value is None or value.value != parsed_value:
                    return Sql("TRUE" if negate else "FALSE", "bool")
                raise ctx.unsupported(construct)
            ambiguous = (
                f"(CASE WHEN {value} = {parsed} THEN {refusal_sql(quote_string(construct))} ELSE FALSE END)"
            )
            return Sql(f"(NOT {ambiguous})" if negate else ambiguous, "bool")
    same = f"({parsed} = {value})"
    refuse = refusal_sql(
        f"'comparing ' || {text} || ' with a {value.type} (Kusto''s conversion is ambiguous here)'"
    )
    check = (
        f"(CASE WHEN {value} IS NULL OR {parsed} IS NULL THEN FALSE "
        f"WHEN {canonical.format(p=parsed)} = {text} THEN {same} "
        f"ELSE {refuse} END)"
    )
    return Sql(f"(NOT {check})" if negate else check, "bool")


def _parse_constant(text: str, kind: str) -> object:
    from kqlrules.engine.functions import parsing

    if kind in ("long", "int"):
        return parsing.parse_long(text)
    if kind == "real":
        return parsing.parse_real(text)
    return parsing.parse_bool(text)


def _canonical_text(value: object, kind: str) -> str:
    from kqlrules.engine.functions.formatting import format_real

    if kind == "bool":
        return "true" if value else "false"
    if kind == "real" and isinstance(value, float):
        return format_real(value)
    return str(value)


@binary("EqualExpression", "NotEqualExpression")
def equality(ctx: TranslationContext, left: Sql, right: Sql, kind: str) -> Sql:
    negate = kind == "NotEqualExpression"
    if left.type == "string" and right.type in _TEXT_FORMS:
        return _string_against(ctx, left, right, negate)
    if right.type == "string" and left.type in _TEXT_FORMS:
        return _string_against(ctx, right, left, negate)
    if left.type == "dynamic" and right.type == "dynamic":
        # null-values.md: `==` and `!=` between two nulls yield bool(null), a null against a value false
        # (`!=` true); a dynamic null is SQL NULL or the JSON null, which the text comparison would equate.
        nulls = [f"({v} IS NULL OR json_type({v}) = 'NULL')" for v in (left, right)]
        texts = _comparable(ctx, left, right, "==")
        compared = f"({texts[0]} {'<>' if negate else '='} {texts[1]})"
        return Sql(
            f"(CASE WHEN {nulls[0]} AND {nulls[1]} THEN NULL "
            f"WHEN {nulls[0]} OR {nulls[1]} THEN {'TRUE' if negate else 'FALSE'} ELSE {compared} END)",
            "bool",
        )
    left, right = _comparable(ctx, left, right, "==")
    return _nullable_equality(left, right, negate=negate)


@binary("EqualTildeExpression", "BangTildeExpression")
def equality_ignoring_case(ctx: TranslationContext, left: Sql, right: Sql, kind: str) -> Sql:
    op = "<>" if kind == "BangTildeExpression" else "="
    return Sql(f"(lower({as_string(left)}) {op} lower({as_string(right)}))", "bool")


@binary("AndExpression", "OrExpression")
def logic(ctx: TranslationContext, left: Sql, right: Sql, kind: str) -> Sql:
    op = "AND" if kind == "AndExpression" else "OR"
    return Sql(f"({coerce(left, 'bool')} {op} {coerce(right, 'bool')})", "bool")
