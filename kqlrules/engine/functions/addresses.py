"""IP address, URL, path, base64, hash and command-line functions (their logic is in `network` and `web`)."""

from __future__ import annotations

from kqlrules.engine.functions.registry import Call, ScalarTranslator, TranslationContext, scalar
from kqlrules.engine.functions.support import (
    INTEGER_TYPES,
    arity,
    as_dynamic,
    as_long,
    as_string,
    datetime_text,
    fn,
    never_null,
)
from kqlrules.engine.sql import Sql


def _prefix(args: list[Sql], index: int, default: int) -> Sql | str:
    return as_long(args[index]) if len(args) > index else str(default)


@scalar("ipv4_is_private")
def ipv4_is_private(ctx: TranslationContext, call: Call) -> Sql:
    (address,) = arity(ctx, call, 1)
    return Sql(fn("kql_ipv4_is_private", as_string(address)), "bool")


@scalar("ipv4_is_in_range")
def ipv4_is_in_range(ctx: TranslationContext, call: Call) -> Sql:
    address, network = arity(ctx, call, 2)
    return Sql(fn("kql_ipv4_is_in_range", as_string(address), as_string(network)), "bool")


@scalar("ipv4_is_in_any_range", "ipv6_is_in_any_range")
def is_in_any_range(ctx: TranslationContext, call: Call) -> Sql:
    address, *ranges = arity(ctx, call, 2, 64)
    if len(ranges) == 1 and ranges[0].type == "dynamic":
        listed = f"CAST({ranges[0]} AS VARCHAR)"
    else:
        listed = f"CAST(json_array({', '.join(str(as_string(r)) for r in ranges)}) AS VARCHAR)"
    return Sql(fn(f"kql_{call.name}", as_string(address), listed), "bool")


@scalar("ipv6_is_in_range")
def ipv6_is_in_range(ctx: TranslationContext, call: Call) -> Sql:
    address, network = arity(ctx, call, 2)
    return Sql(fn("kql_ipv6_is_in_range", as_string(address), as_string(network)), "bool")


@scalar("ipv4_netmask_suffix")
def ipv4_netmask_suffix(ctx: TranslationContext, call: Call) -> Sql:
    (address,) = arity(ctx, call, 1)
    return Sql(f"CAST({fn('kql_ipv4_netmask_suffix', as_string(address))} AS INTEGER)", "int")


@scalar("ipv4_range_to_cidr_list")
def ipv4_range_to_cidr_list(ctx: TranslationContext, call: Call) -> Sql:
    start, end = arity(ctx, call, 2)
    return Sql(
        f"CAST({fn('kql_ipv4_range_to_cidr_list', as_string(start), as_string(end))} AS JSON)", "dynamic"
    )


@scalar("ipv4_compare")
def ipv4_compare(ctx: TranslationContext, call: Call) -> Sql:
    args = arity(ctx, call, 2, 3)
    return Sql(fn("kql_ipv4_compare", as_string(args[0]), as_string(args[1]), _prefix(args, 2, 32)), "long")


@scalar("ipv4_is_match")
def ipv4_is_match(ctx: TranslationContext, call: Call) -> Sql:
    args = arity(ctx, call, 2, 3)
    return Sql(fn("kql_ipv4_is_match", as_string(args[0]), as_string(args[1]), _prefix(args, 2, 32)), "bool")


@scalar("ipv6_compare")
def ipv6_compare(ctx: TranslationContext, call: Call) -> Sql:
    args = arity(ctx, call, 2, 3)
    return Sql(fn("kql_ipv6_compare", as_string(args[0]), as_string(args[1]), _prefix(args, 2, 128)), "long")


@scalar("ipv6_is_match")
def ipv6_is_match(ctx: TranslationContext, call: Call) -> Sql:
    args = arity(ctx, call, 2, 3)
    return Sql(fn("kql_ipv6_is_match", as_string(args[0]), as_string(args[1]), _prefix(args, 2, 128)), "bool")


@scalar("parse_ipv4")
def parse_ipv4(ctx: TranslationContext, call: Call) -> Sql:
    (address,) = arity(ctx, call, 1)
    return Sql(fn("kql_parse_ipv4", as_string(address)), "long")


@scalar("parse_ipv4_mask")
def parse_ipv4_mask(ctx: TranslationContext, call: Call) -> Sql:
    address, prefix = arity(ctx, call, 2)
    return Sql(fn("kql_parse_ipv4_mask", as_string(address), as_long(prefix)), "long")


@scalar("parse_ipv6")
def parse_ipv6(ctx: TranslationContext, call: Call) -> Sql:
    (address,) = arity(ctx, call, 1)
    return never_null(fn("kql_parse_ipv6", as_string(address)))


@scalar("parse_ipv6_mask")
def parse_ipv6_mask(ctx: TranslationContext, call: Call) -> Sql:
    address, prefix = arity(ctx, call, 2)
    return never_null(fn("kql_parse_ipv6_mask", as_string(address), as_long(prefix)))


def _address_text(value: Sql) -> Sql:
    return as_string(value) if value.type not in INTEGER_TYPES else Sql(f"CAST({value} AS VARCHAR)", "string")


@scalar("format_ipv4")
def format_ipv4(ctx: TranslationContext, call: Call) -> Sql:
    args = arity(ctx, call, 1, 2)
    return never_null(fn("kql_format_ipv4", _address_text(args[0]), _prefix(args, 1, 32)))


@scalar("format_ipv4_mask")
def format_ipv4_mask(ctx: TranslationContext, call: Call) -> Sql:
    args = arity(ctx, call, 1, 2)
    return never_null(fn("kql_format_ipv4_mask", _address_text(args[0]), _prefix(args, 1, 32)))


@scalar("has_ipv4", "has_ipv4_prefix")
def has_ipv4(ctx: TranslationContext, call: Call) -> Sql:
    source, address = arity(ctx, call, 2)
    return Sql(f"COALESCE({fn('kql_' + call.name, as_string(source), as_string(address))}, FALSE)", "bool")


@scalar("has_any_ipv4", "has_any_ipv4_prefix")
def has_any_ipv4(ctx: TranslationContext, call: Call) -> Sql:
    source, *values = arity(ctx, call, 2, 64)
    if len(values) == 1 and values[0].type == "dynamic":
        listed = f"CAST({values[0]} AS VARCHAR)"
    else:
        listed = f"CAST(json_array({', '.join(str(as_string(v)) for v in values)}) AS VARCHAR)"
    return Sql(f"COALESCE({fn('kql_' + call.name, as_string(source), listed)}, FALSE)", "bool")


def _text_function(helper: str, result: str = "string") -> ScalarTranslator:
    def translate(ctx: TranslationContext, call: Call) -> Sql:
        (value,) = arity(ctx, call, 1)
        text = fn(helper, as_string(value))
        if result == "dynamic":
            return Sql(f"CAST({text} AS JSON)", "dynamic")
        return never_null(text)

    return translate


scalar("parse_url")(_text_function("kql_parse_url", "dynamic"))
scalar("parse_urlquery")(_text_function("kql_parse_urlquery", "dynamic"))
scalar("parse_path")(_text_function("kql_parse_path", "dynamic"))
scalar("parse_xml")(_text_function("kql_parse_xml", "dynamic"))
scalar("parse_csv")(_text_function("kql_parse_csv", "dynamic"))
scalar("zlib_compress_to_base64_string")(_text_function("kql_zlib_compress_to_base64_string"))
scalar("zlib_decompress_from_base64_string")(_text_function("kql_zlib_decompress_from_base64_string"))
scalar("gzip_compress_to_base64_string")(_text_function("kql_gzip_compress_to_base64_string"))
scalar("gzip_decompress_from_base64_string")(_text_function("kql_gzip_decompress_from_base64_string"))
scalar("url_encode")(_text_function("kql_url_encode"))
scalar("url_encode_component")(_text_function("kql_url_encode_component"))
scalar("url_decode")(_text_function("kql_url_decode"))
scalar("base64_encode_tostring", "base64_encodestring")(_text_function("kql_base64_encode_tostring"))
scalar("base64_decode_tostring", "base64_decodestring")(_text_function("kql_base64_decode_tostring"))
scalar("base64_decode_toarray")(_text_function("kql_base64_decode_toarray", "dynamic"))


@scalar("base64_encode_fromarray")
def base64_encode_fromarray(ctx: TranslationContext, call: Call) -> Sql:
    (array,) = arity(ctx, call, 1)
    return never_null(fn("kql_base64_encode_fromarray", f"CAST({as_dynamic(array)} AS VARCHAR)"))


@scalar("base64_encode_fromguid")
def base64_encode_fromguid(ctx: TranslationContext, call: Call) -> Sql:
    (guid,) = arity(ctx, call, 1)
    return never_null(fn("kql_base64_encode_fromguid", as_string(guid)))


@scalar("base64_decode_toguid")
def base64_decode_toguid(ctx: TranslationContext, call: Call) -> Sql:
    (text,) = arity(ctx, call, 1)
    return Sql(fn("kql_base64_decode_toguid", as_string(text)), "guid")


@scalar("parse_command_line")
def parse_command_line(ctx: TranslationContext, call: Call) -> Sql:
    text, parser = arity(ctx, call, 2)
    return Sql(f"CAST({fn('kql_parse_command_line', as_string(text), as_string(parser))} AS JSON)", "dynamic")


def _hash_input(value: Sql) -> Sql:
    """What Kusto hashes: the value's text, datetimes in their round-trip form with seven fraction digits."""
    if value.type == "datetime":
        return never_null(datetime_text(value))
    return as_string(value)


@scalar("hash_md5")
def hash_md5(ctx: TranslationContext, call: Call) -> Sql:
    (value,) = arity(ctx, call, 1)
    return Sql(fn("md5", _hash_input(value)), "string")


@scalar("hash_sha1")
def hash_sha1(ctx: TranslationContext, call: Call) -> Sql:
    (value,) = arity(ctx, call, 1)
    return Sql(fn("sha1", _hash_input(value)), "string")


@scalar("hash_sha256")
def hash_sha256(ctx: TranslationContext, call: Call) -> Sql:
    (value,) = arity(ctx, call, 1)
    return Sql(fn("sha256", _hash_input(value)), "string")


@scalar("hash", "hash_xxhash64")
def hash_xxhash64(ctx: TranslationContext, call: Call) -> Sql:
    """XXH64 of strings (UTF-8) and datetimes (ticks): the encodings the reference's examples confirm."""
    args = arity(ctx, call, 1, 2)
    value = args[0]
    mod = as_long(args[1]) if len(args) == 2 else "0"
    if value.type == "string":
        return Sql(fn("kql_hash_text", value, mod), "long")
    if value.type == "datetime":
        return Sql(fn("kql_hash_ticks", f"kql_ticks({value})", mod), "long")
    raise ctx.unsupported(f"{call.name}() of a {value.type} value (its byte encoding is not confirmed)")


@scalar("hash_many", "hash_combine", "hash_crc32", "hash_djb2")
def unsupported_hash(ctx: TranslationContext, call: Call) -> Sql:
    raise ctx.unsupported(f"{call.name}() (Kusto's exact hash values are not reproduced)")


@scalar("parse_user_agent", "current_principal",
        "current_principal_details", "current_principal_is_member_of", "current_cluster_endpoint",
        "current_database", "cursor_current", "estimate_data_size",
        "series_fir", "series_fit_2lines",
        "series_stats")  # fmt: skip
def not_yet(ctx: TranslationContext, call: Call) -> Sql:
    raise ctx.unsupported(f"{call.name}()")
