"""Template parameters: layers merged lowest first; `--param k=v` text takes the type of its default."""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from kqlrules.errors import KqlrulesError, UsageProblem
from kqlrules.timespan import TimespanError, parse_timespan

if TYPE_CHECKING:
    from kqlrules.rules.repository import LoadedDetection

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


def check_param_names(given: Iterable[str], detections: Iterable[LoadedDetection]) -> None:
    """`--param NAME=...` must name a parameter one of `detections` has (its own, the repository's or
    `lookback`): a misspelt name would otherwise change nothing, silently."""
    known: set[str] = {"lookback"}
    for detection in detections:
        known.update(detection.meta.params)
        # Its layers are the repository's params, the environment's, then the command line's own.
        for layer in detection.layers[:-1]:
            known.update(layer)
    for name in given:
        if name not in known:
            close = difflib.get_close_matches(name, sorted(known), n=3)
            hint = (
                "did you mean " + " or ".join(f"'{c}'" for c in close) + "?"
                if close
                else "parameters here: " + (", ".join(sorted(known)) or "none")
            )
            raise UsageProblem(f"--param {name}: no detection here has a parameter {name!r}", hint=hint)
