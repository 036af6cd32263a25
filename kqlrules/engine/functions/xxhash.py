"""XXH64 (seed 0), the hash behind Kusto's `hash()` and `hash_xxhash64()`.

Checked against the reference's examples: a string hashes its UTF-8 bytes (`hash("World")` is
1846988464401551951) and a datetime its ticks as 8 little-endian bytes (`hash(datetime(2015-01-01))` is
1380966698541616202). The 64-bit result reads as a signed long; `mod` applies to the unsigned value, as the
reference promises results from 0 to mod - 1.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_MASK = (1 << 64) - 1
_P1 = 11400714785074694791
_P2 = 14029467366897019727
_P3 = 1609587929392839161
_P4 = 9650029242287828579
_P5 = 2870177450012600261
TICKS_TO_UNIX_EPOCH = 621_355_968_000_000_000


def _rotl(value: int, bits: int) -> int:
    return ((value << bits) | (value >> (64 - bits))) & _MASK


def _round(acc: int, lane: int) -> int:
    acc = (acc + lane * _P2) & _MASK
    return (_rotl(acc, 31) * _P1) & _MASK


def _merge(acc: int, value: int) -> int:
    acc ^= _round(0, value)
    return (acc * _P1 + _P4) & _MASK


def _lane(data: bytes, at: int, size: int = 8) -> int:
    return int.from_bytes(data[at : at + size], "little")


def xxh64(data: bytes, seed: int = 0) -> int:
    length, at = len(data), 0
    if length >= 32:
        v1, v2, v3, v4 = (seed + _P1 + _P2) & _MASK, (seed + _P2) & _MASK, seed, (seed - _P1) & _MASK
        while at + 32 <= length:
            v1 = _round(v1, _lane(data, at))
            v2 = _round(v2, _lane(data, at + 8))
            v3 = _round(v3, _lane(data, at + 16))
            v4 = _round(v4, _lane(data, at + 24))
            at += 32
        digest = (_rotl(v1, 1) + _rotl(v2, 7) + _rotl(v3, 12) + _rotl(v4, 18)) & _MASK
        for value in (v1, v2, v3, v4):
            digest = _merge(digest, value)
    else:
        digest = (seed + _P5) & _MASK
    digest = (digest + length) & _MASK
    while at + 8 <= length:
        digest ^= _round(0, _lane(data, at))
        digest = (_rotl(digest, 27) * _P1 + _P4) & _MASK
        at += 8
    if at + 4 <= length:
        digest ^= (_lane(data, at, 4) * _P1) & _MASK
        digest = (_rotl(digest, 23) * _P2 + _P3) & _MASK
        at += 4
    while at < length:
        digest ^= (data[at] * _P5) & _MASK
        digest = (_rotl(digest, 11) * _P1) & _MASK
        at += 1
    digest ^= digest >> 33
    digest = (digest * _P2) & _MASK
    digest ^= digest >> 29
    digest = (digest * _P3) & _MASK
    return digest ^ (digest >> 32)


def _result(digest: int, mod: int) -> int | None:
    if mod > 0:
        return digest % mod
    if mod < 0:
        return None
    return digest - (1 << 64) if digest >= 1 << 63 else digest


def hash_text(text: str, mod: int) -> int | None:
    return _result(xxh64(text.encode("utf-8")), mod)


def hash_ticks(unix_ticks: int, mod: int) -> int | None:
    """XXH64 of a datetime's 8-byte tick count from 0001-01-01; `unix_ticks` counts from 1970."""
    ticks = unix_ticks + TICKS_TO_UNIX_EPOCH
    return _result(xxh64(ticks.to_bytes(8, "little", signed=True)), mod)


PYTHON_FUNCTIONS: list[tuple[str, Callable[..., Any], list[str], str]] = [
    ("kql_hash_text", hash_text, ["VARCHAR", "BIGINT"], "BIGINT"),
    ("kql_hash_ticks", hash_ticks, ["BIGINT", "BIGINT"], "BIGINT"),
]
