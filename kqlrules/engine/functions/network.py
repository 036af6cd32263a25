"""IPv4 and IPv6 address arithmetic for the `ipv4_*`, `ipv6_*`, `parse_ipv4*`, `format_ipv4*` and `has_*ipv4*`
functions. Addresses may carry a `/prefix` suffix, which masks them. Pure Python; None is Kusto's null.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Callable
from typing import Any

from kqlrules.engine.functions.support import Refusal

_IPV4 = re.compile(r"^\s*(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\s*(?:/\s*(\d{1,2})\s*)?$")
_PRIVATE = [("10.0.0.0", 8), ("172.16.0.0", 12), ("192.168.0.0", 16)]


def _ipv4(text: str) -> tuple[int, int] | None:
    """An IPv4 address and its prefix length (32 without a suffix)."""
    match = _IPV4.match(text)
    if not match:
        return None
    octets = [int(g) for g in match.groups()[:4]]
    prefix = int(match[5]) if match[5] is not None else 32
    if any(o > 255 for o in octets) or prefix > 32:
        return None
    return (octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3], prefix


def _mask(prefix: int, bits: int = 32) -> int:
    return ((1 << bits) - 1) ^ ((1 << (bits - prefix)) - 1)


def parse_ipv4(text: str) -> int | None:
    parsed = _ipv4(text)
    return None if parsed is None else parsed[0] & _mask(parsed[1])


def parse_ipv4_mask(text: str, prefix: int) -> int | None:
    parsed = _ipv4(text)
    if parsed is None or not 0 <= prefix <= 32:
        return None
    return parsed[0] & _mask(min(prefix, parsed[1]))


def _dotted(value: int) -> str:
    return ".".join(str((value >> shift) & 255) for shift in (24, 16, 8, 0))


def _address_and_prefix(value: str, prefix: int) -> tuple[int, int] | None:
    if not 0 <= prefix <= 32:
        return None
    if re.fullmatch(r"\s*\d+\s*", value):
        number = int(value)
        return (number, prefix) if 0 <= number < 2**32 else None
    parsed = _ipv4(value)
    return None if parsed is None else (parsed[0], min(prefix, parsed[1]))


def format_ipv4(value: str, prefix: int) -> str | None:
    parsed = _address_and_prefix(value, prefix)
    return None if parsed is None else _dotted(parsed[0] & _mask(parsed[1]))


def format_ipv4_mask(value: str, prefix: int) -> str | None:
    parsed = _address_and_prefix(value, prefix)
    return None if parsed is None else f"{_dotted(parsed[0] & _mask(parsed[1]))}/{parsed[1]}"


def ipv4_compare(left: str, right: str, prefix: int) -> int | None:
    a, b = _ipv4(left), _ipv4(right)
    if a is None or b is None or not 0 <= prefix <= 32:
        return None
    mask = _mask(min(a[1], b[1], prefix))
    x, y = a[0] & mask, b[0] & mask
    return (x > y) - (x < y)


def ipv4_is_match(left: str, right: str, prefix: int) -> bool | None:
    compared = ipv4_compare(left, right, prefix)
    return None if compared is None else compared == 0


def ipv4_is_in_range(address: str, network: str) -> bool | None:
    a, n = _ipv4(address), _ipv4(network)
    if a is None or n is None:
        return None
    mask = _mask(n[1])
    return (a[0] & mask) == (n[0] & mask)


def ipv4_is_in_any_range(address: str, networks: str) -> bool | None:
    """`networks` is a JSON array of ranges."""
    if _ipv4(address) is None:
        return None
    ranges = json.loads(networks)
    if not isinstance(ranges, list):
        ranges = [ranges]
    results = [ipv4_is_in_range(address, str(r)) for r in ranges]
    if any(r is None for r in results):
        return None
    return any(results)


def ipv4_is_private(address: str) -> bool | None:
    parsed = _ipv4(address)
    if parsed is None:
        return None
    return any(ipv4_is_in_range(address, f"{net}/{bits}") for net, bits in _PRIVATE)


def _ipv6(text: str) -> tuple[int, int] | None:
    """An address as 128 bits (IPv4 mapped to ::ffff:a.b.c.d) with its prefix length."""
    raw = text.strip()
    address, _, suffix = raw.partition("/")
    try:
        prefix = int(suffix) if suffix else None
    except ValueError:
        return None
    # `::a.b.c.d` is read as the IPv4 address (the reference: `::192.168.255.255/24` masks 120 bits of
    # ::ffff:c0a8:ffff).
    v4 = _ipv4(address[2:] if address.startswith("::") and "." in address else address)
    if v4 is not None:
        bits = prefix + 96 if prefix is not None else 128
        return (0xFFFF << 32) | v4[0], bits if bits <= 128 else -1
    try:
        value = int(ipaddress.IPv6Address(address))
    except ValueError:
        return None
    bits = 128 if prefix is None else prefix
    return value, bits


def ipv6_compare(left: str, right: str, prefix: int) -> int | None:
    a, b = _ipv6(left), _ipv6(right)
    if a is None or b is None or not 0 <= prefix <= 128 or a[1] < 0 or b[1] < 0:
        return None
    mask = _mask(min(a[1], b[1], prefix), 128)
    x, y = a[0] & mask, b[0] & mask
    return (x > y) - (x < y)


def ipv6_is_match(left: str, right: str, prefix: int) -> bool | None:
    compared = ipv6_compare(left, right, prefix)
    return None if compared is None else compared == 0


def parse_ipv6(text: str) -> str | None:
    parsed = _ipv6(text)
    if parsed is None or parsed[1] < 0:
        return None
    value = parsed[0] & _mask(parsed[1], 128)
    hexed = f"{value:032x}"
    return ":".join(hexed[i : i + 4] for i in range(0, 32, 4))


def parse_ipv6_mask(text: str, prefix: int) -> str | None:
    if not 0 <= prefix <= 128:
        return None
    parsed = _ipv6(text)
    if parsed is None or parsed[1] < 0:
        return None
    value = parsed[0] & _mask(min(parsed[1], prefix), 128)
    hexed = f"{value:032x}"
    return ":".join(hexed[i : i + 4] for i in range(0, 32, 4))


def ipv4_netmask_suffix(text: str) -> int | None:
    parsed = _ipv4(text)
    return None if parsed is None else parsed[1]


def ipv4_range_to_cidr_list(start: str, end: str) -> str | None:
    """The fewest CIDR blocks covering [start, end]. Addresses with a suffix, and a start after the end, are
    not described by the reference: they stop the query."""
    first, last = _ipv4(start), _ipv4(end)
    if first is None or last is None:
        raise Refusal("ipv4_range_to_cidr_list() of text that is not an IPv4 address is not documented")
    if "/" in start or "/" in end or first[0] > last[0]:
        raise Refusal("ipv4_range_to_cidr_list() of a suffixed address or a reversed range is not documented")
    blocks = ipaddress.summarize_address_range(
        ipaddress.IPv4Address(first[0]), ipaddress.IPv4Address(last[0])
    )
    return json.dumps([str(block) for block in blocks])


def ipv6_is_in_range(address: str, network: str) -> bool | None:
    a, n = _ipv6(address), _ipv6(network)
    if a is None or n is None or a[1] < 0 or n[1] < 0 or not 0 <= n[1] <= 128:
        return None
    mask = _mask(n[1], 128)
    return (a[0] & mask) == (n[0] & mask)


def ipv6_is_in_any_range(address: str, networks: str) -> bool | None:
    """`networks` is a JSON array of ranges."""
    parsed = _ipv6(address)
    if parsed is None or parsed[1] < 0:
        return None
    ranges = json.loads(networks)
    if not isinstance(ranges, list):
        ranges = [ranges]
    results = [ipv6_is_in_range(address, str(r)) for r in ranges]
    if any(r is None for r in results):
        return None
    return any(results)


# An IPv4 address standing alone in text: not glued to digits, dots or letters on either side.
_IPV4_IN_TEXT = re.compile(r"(?<![\w.])(\d{1,3}(?:\.\d{1,3}){3})(?![\w.]|\.\d)")


def _addresses_in(text: str) -> list[str]:
    return [m for m in _IPV4_IN_TEXT.findall(text) if _ipv4(m) is not None]


def has_ipv4(source: str, address: str) -> bool | None:
    if _ipv4(address) is None:
        return None
    target = parse_ipv4(address)
    return any(parse_ipv4(found) == target for found in _addresses_in(source))


def has_any_ipv4(source: str, addresses: str) -> bool | None:
    wanted = _json_strings(addresses)
    found = {parse_ipv4(a) for a in _addresses_in(source)}
    return any(_ipv4(w) is not None and parse_ipv4(w) in found for w in wanted)


def has_ipv4_prefix(source: str, prefix: str) -> bool | None:
    return any(found.startswith(prefix) for found in _addresses_in(source))


def has_any_ipv4_prefix(source: str, prefixes: str) -> bool | None:
    wanted = _json_strings(prefixes)
    return any(found.startswith(p) for found in _addresses_in(source) for p in wanted)


def _json_strings(text: str) -> list[str]:
    value = json.loads(text)
    values = value if isinstance(value, list) else [value]
    return [str(v) for v in values if v is not None]


_T, _L, _B = "VARCHAR", "BIGINT", "BOOLEAN"
PYTHON_FUNCTIONS: list[tuple[str, Callable[..., Any], list[str], str]] = [
    ("kql_parse_ipv4", parse_ipv4, [_T], _L),
    ("kql_parse_ipv4_mask", parse_ipv4_mask, [_T, _L], _L),
    ("kql_format_ipv4", format_ipv4, [_T, _L], _T),
    ("kql_format_ipv4_mask", format_ipv4_mask, [_T, _L], _T),
    ("kql_ipv4_compare", ipv4_compare, [_T, _T, _L], _L),
    ("kql_ipv4_is_match", ipv4_is_match, [_T, _T, _L], _B),
    ("kql_ipv4_is_in_range", ipv4_is_in_range, [_T, _T], _B),
    ("kql_ipv4_is_in_any_range", ipv4_is_in_any_range, [_T, _T], _B),
    ("kql_ipv4_is_private", ipv4_is_private, [_T], _B),
    ("kql_ipv6_compare", ipv6_compare, [_T, _T, _L], _L),
    ("kql_ipv6_is_match", ipv6_is_match, [_T, _T, _L], _B),
    ("kql_parse_ipv6", parse_ipv6, [_T], _T),
    ("kql_parse_ipv6_mask", parse_ipv6_mask, [_T, _L], _T),
    ("kql_has_ipv4", has_ipv4, [_T, _T], _B),
    ("kql_has_any_ipv4", has_any_ipv4, [_T, _T], _B),
    ("kql_has_ipv4_prefix", has_ipv4_prefix, [_T, _T], _B),
    ("kql_has_any_ipv4_prefix", has_any_ipv4_prefix, [_T, _T], _B),
    ("kql_ipv4_netmask_suffix", ipv4_netmask_suffix, [_T], _L),
    ("kql_ipv4_range_to_cidr_list", ipv4_range_to_cidr_list, [_T, _T], _T),
    ("kql_ipv6_is_in_range", ipv6_is_in_range, [_T, _T], _B),
    ("kql_ipv6_is_in_any_range", ipv6_is_in_any_range, [_T, _T], _B),
]
