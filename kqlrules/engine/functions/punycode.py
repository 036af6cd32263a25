"""Punycode (RFC 3492) and its IDNA domain form: `punycode_from_string`, `punycode_to_string`,
`punycode_domain_from_string` and `punycode_domain_to_string`.

Decoding that fails gives the empty string, as documented. A decoded label holding control characters (what
RFC 3492 makes of an ASCII word without its `-` delimiter) stops the query: the reference does not say what
Kusto returns for it. Letter case is kept: the examples encode `Lê Lợi` as `xn--L Li-gpa4517b`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from kqlrules.engine.functions.registry import Call, TranslationContext, scalar
from kqlrules.engine.functions.support import arity, as_string, fn, never_null
from kqlrules.engine.sql import Sql

_ACE_PREFIX = "xn--"
# The full stop and its IDNA equivalents (ideographic, fullwidth and halfwidth ideographic full stops).
_DOTS = re.compile("[.\u3002\uff0e\uff61]")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


class UndocumentedPunycode(ValueError):
    pass


def encode(text: str) -> str:
    return text.encode("punycode").decode("ascii")


def decode(text: str) -> str:
    if not text.isascii():
        return ""
    try:
        decoded = text.encode("ascii").decode("punycode")
    except UnicodeError:
        return ""
    if _CONTROL.search(decoded):
        raise UndocumentedPunycode(f"punycode decoding of {text!r} gives control characters")
    return decoded


def domain_encode(domain: str) -> str:
    labels = _DOTS.split(domain)
    return ".".join(label if label.isascii() else _ACE_PREFIX + encode(label) for label in labels)


def domain_decode(domain: str) -> str:
    if not domain.isascii():
        return ""
    out = []
    for label in domain.split("."):
        if label[: len(_ACE_PREFIX)].lower() == _ACE_PREFIX:
            decoded = decode(label[len(_ACE_PREFIX) :])
            if not decoded:
                return ""
            out.append(decoded)
        else:
            out.append(label)
    return ".".join(out)


_HELPERS = {
    "punycode_from_string": "kql_punycode_encode",
    "punycode_to_string": "kql_punycode_decode",
    "punycode_domain_to_string": "kql_punycode_domain_encode",
    "punycode_domain_from_string": "kql_punycode_domain_decode",
}


@scalar(*_HELPERS)
def punycode(ctx: TranslationContext, call: Call) -> Sql:
    (text,) = arity(ctx, call, 1)
    return never_null(fn(_HELPERS[call.name], as_string(text)))


PYTHON_FUNCTIONS: list[tuple[str, Callable[..., Any], list[str], str]] = [
    ("kql_punycode_encode", encode, ["VARCHAR"], "VARCHAR"),
    ("kql_punycode_decode", decode, ["VARCHAR"], "VARCHAR"),
    ("kql_punycode_domain_encode", domain_encode, ["VARCHAR"], "VARCHAR"),
    ("kql_punycode_domain_decode", domain_decode, ["VARCHAR"], "VARCHAR"),
]
