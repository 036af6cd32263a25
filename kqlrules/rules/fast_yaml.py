"""YAML 1.2 (core schema) through libyaml: the fast read of a detection's metadata.

PyYAML's C parser resolves plain scalars by YAML 1.1 (`yes`/`on` are booleans, `010` is octal, `1:30`
is 90). kqlrules' metadata is YAML 1.2, as ruamel reads it, so this loader keeps only the core schema's
resolvers (YAML 1.2.2, 10.3.2 "Tag Resolution": https://yaml.org/spec/1.2.2/#1032-tag-resolution) plus
timestamps (which ruamel also reads), and refuses duplicate keys as ruamel does. Anything it cannot read
the same way raises, and the caller falls back to ruamel.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

import yaml

_BASE: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class DuplicateKey(yaml.YAMLError):
    """The same key twice in one mapping (ruamel refuses it; PyYAML would keep the last)."""


class Core12Loader(_BASE):  # type: ignore[misc]
    """libyaml's parser with YAML 1.2 core scalar resolution."""

    yaml_implicit_resolvers: ClassVar[dict[str | None, list[tuple[str, re.Pattern[str]]]]] = {}

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, str | int | float | bool) or key is None:
                if key in seen:
                    raise DuplicateKey(f"duplicate key {key!r}")
                seen.add(key)
        mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        return mapping


_INT12 = "tag:kqlrules,2026:int12"


def _int12(loader: Any, node: Any) -> int:
    text = str(loader.construct_scalar(node)).replace("_", "")
    sign = -1 if text.startswith("-") else 1
    digits = text.lstrip("+-")
    if digits.startswith("0o"):
        return sign * int(digits[2:], 8)
    if digits.startswith("0x"):
        return sign * int(digits[2:], 16)
    return sign * int(digits, 10)


Core12Loader.add_constructor(_INT12, _int12)

_RESOLVERS = (
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", list("tTfF")),
    # Constructed by `_int12`: `010` is ten in YAML 1.2 (PyYAML would read octal 8); 0o/0x as 1.2 says;
    # underscores as ruamel allows them.
    (_INT12, r"^[-+]?(?:[0-9][0-9_]*|0o[0-7]+|0x[0-9a-fA-F]+)$", list("-+0123456789")),
    (
        "tag:yaml.org,2002:float",
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        list("-+.0123456789"),
    ),
    (
        "tag:yaml.org,2002:timestamp",
        r"^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}"
        r"|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?"
        r"(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)$",
        list("0123456789"),
    ),
)
for _tag, _pattern, _first in _RESOLVERS:
    Core12Loader.add_implicit_resolver(_tag, re.compile(_pattern), _first)


# Where libyaml is more lenient than the YAML spec (and ruamel): an all-space line with more spaces than
# the block scalar's indentation (YAML 1.2.2, 8.1.1.1), and tabs. Such text takes the strict path.
_LENIENT = re.compile(r"^ +$|\t", re.MULTILINE)


class NotForTheFastPath(yaml.YAMLError):
    """Text that libyaml would accept where the spec does not."""


def load_core12(text: str) -> Any:
    """The document as plain Python (keys as text, like `loader.plain`)."""
    if _LENIENT.search(text):
        raise NotForTheFastPath("all-space lines or tabs")
    return _keys_as_text(yaml.load(text, Loader=Core12Loader))


def _keys_as_text(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(key): _keys_as_text(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_keys_as_text(item) for item in value]
    return value
