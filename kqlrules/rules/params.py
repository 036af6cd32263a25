"""Template parameters: layers merged lowest first; `--param k=v` text takes the type of its default."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from kqlrules.errors import KqlrulesError
from kqlrules.timespan import TimespanError, parse_timespan

_TRUE = {"true", "yes", "1", "on"}
_FALSE = {"false", "no", "0", "off"}


class ParamError(KqlrulesError):
    """A parameter given on the command line that is malformed or has the wrong type."""


def parse_param_options(options: list[str]) -> dict[str, str]:
    """`["k=v", "users=a,b"]` -> `{"k": "v", "users": "a,b"}`."""
    parsed: dict[str, str] = {}
    for option in options:
        key, sep, value = option.partition("=")
        if not sep or not key.strip():
            raise ParamError(f"--param {option!r}: write it as name=value")
        parsed[key.strip()] = value
    return parsed


def merge_params(*layers: Mapping[str, Any]) -> dict[str, Any]:
    """Later layers win, key by key."""
    merged: dict[str, Any] = {}
    for layer in layers:
        merged.update(layer)
    return merged


def coerce_params(layer: Mapping[str, Any], current: Mapping[str, Any]) -> dict[str, Any]:
    """Text values take the type of the value they replace (a list default makes `a,b` a list)."""
    return {
        key: _coerce(key, value, current[key])
        if isinstance(value, str) and key in current and not isinstance(current[key], str)
        else value
        for key, value in layer.items()
    }


def _coerce(key: str, text: str, like: Any) -> Any:
    try:
        if isinstance(like, bool):
            lowered = text.strip().lower()
            if lowered not in _TRUE | _FALSE:
                raise ValueError("expected true or false")
            return lowered in _TRUE
        if isinstance(like, int):
            return int(text)
        if isinstance(like, float):
            return float(text)
        if isinstance(like, timedelta):
            return parse_timespan(text)
        if isinstance(like, list | tuple):
            if text.strip().startswith("["):
                value = json.loads(text)
                if not isinstance(value, list):
                    raise ValueError("expected a JSON list")
                return value
            return [part.strip() for part in text.split(",") if part.strip()]
    except (ValueError, TimespanError) as error:
        raise ParamError(
            f"parameter {key}={text!r}: expected {type(like).__name__} like its default ({error})"
        ) from None
    return text
