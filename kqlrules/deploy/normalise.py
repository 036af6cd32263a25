"""Bring a rule body, ours or the service's, to one comparable form.

Both sides go through the same functions: durations become canonical ISO 8601 (`1h`, `PT60M` -> `PT1H`),
operator names their API spelling (`gt` -> `GreaterThan`), queries lose trailing whitespace and CRLF,
resource ids are compared case-insensitively, and empty values equal absent ones (ARM omits them).
"""

from __future__ import annotations

from typing import Any

from kqlrules.timespan import TimespanError, parse_timespan, to_iso8601

Json = dict[str, Any]


def duration(value: Any) -> str | None:
    if value is None or value == "":
        return None
    try:
        return to_iso8601(parse_timespan(str(value)))
    except TimespanError:
        return str(value)


def query_text(value: Any) -> str:
    lines = str(value or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip("\n")


def resource_id(value: Any) -> str:
    return str(value).rstrip("/").lower()


def alias(value: Any, spellings: dict[str, str]) -> Any:
    """The API spelling of an operator given in any known spelling (case-insensitive)."""
    if value is None:
        return None
    return spellings.get(str(value).lower(), value)


def location(value: Any) -> str:
    return str(value or "").replace(" ", "").lower()


def pruned(value: Any) -> Any:
    """Drop None, empty lists and empty dicts, recursively: ARM treats them as absent."""
    if isinstance(value, dict):
        out = {k: pruned(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v is not None and v != [] and v != {}}
    if isinstance(value, list):
        return [pruned(v) for v in value]
    return value


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Dotted paths to leaves; a list of scalars is one leaf, a list of objects is indexed."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            out.update(flatten(item, f"{prefix}.{key}" if prefix else key))
        return out
    if isinstance(value, list) and any(isinstance(item, dict | list) for item in value):
        out = {}
        for index, item in enumerate(value):
            out.update(flatten(item, f"{prefix}[{index}]"))
        return out
    return {prefix: value}
