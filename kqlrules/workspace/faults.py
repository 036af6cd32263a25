"""Faults the local query-API server can inject, so clients are tested against the service's bad days.

Each request is answered normally unless a fault is drawn for it: first from `script` (one entry per request,
in order: `ok`, `throttle`, `server_error`, `drop`, `partial`, `timeout`), then at random with the given
rates. `latency` delays every query; a delay beyond the request's `Prefer: wait=` is a server timeout (504).
"""

from __future__ import annotations

import json
import math
import random
import threading
from collections import deque
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from kqlrules.errors import KqlrulesError, Location
from kqlrules.text_files import NotUtf8, decode_utf8

FAULT_KINDS = ("ok", "throttle", "server_error", "drop", "partial", "timeout")


@dataclass
class Faults:
    latency: float = 0.0
    throttle: float = 0.0
    retry_after: float = 1.0
    server_error: float = 0.0
    server_error_status: int = 503
    drop: float = 0.0
    partial: float = 0.0
    timeout: float = 0.0
    script: list[str] = field(default_factory=list)
    seed: int | None = None

    def __post_init__(self) -> None:
        for name in ("latency", "retry_after", "throttle", "server_error", "drop", "partial", "timeout"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise KqlrulesError(f"fault setting {name}={value!r} must be a number")
            if value < 0:
                raise KqlrulesError(f"fault setting {name}={value!r} must not be negative")
        if isinstance(self.server_error_status, bool) or not isinstance(self.server_error_status, int):
            raise KqlrulesError(f"server_error_status {self.server_error_status!r} must be a whole number")
        if self.seed is not None and (isinstance(self.seed, bool) or not isinstance(self.seed, int)):
            raise KqlrulesError(f"seed {self.seed!r} must be a whole number")
        if not isinstance(self.script, list):
            raise KqlrulesError(f"script must be a list of faults, not {self.script!r}")
        for kind in self.script:
            if kind not in FAULT_KINDS:
                raise KqlrulesError(f"unknown fault {kind!r}; one of: {', '.join(FAULT_KINDS)}")
        for name in ("throttle", "server_error", "drop", "partial", "timeout"):
            rate = getattr(self, name)
            if not 0.0 <= rate <= 1.0:
                raise KqlrulesError(f"fault rate {name}={rate} must be between 0 and 1")
        if not 500 <= self.server_error_status <= 599:
            raise KqlrulesError(f"server_error_status {self.server_error_status} is not a 5xx status")

    @classmethod
    def from_mapping(cls, data: dict[str, Any], source: str = "faults") -> Faults:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise KqlrulesError(
                f"{source}: unknown fault setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
            )
        try:
            return cls(**data)
        except TypeError as error:
            raise KqlrulesError(f"{source}: {error}") from None

    @classmethod
    def from_file(cls, path: Path) -> Faults:
        try:
            data = json.loads(decode_utf8(path.read_bytes()))
        except OSError as error:
            raise KqlrulesError(f"cannot read fault settings: {error.strerror}", Location.of(path)) from None
        except NotUtf8 as error:
            raise KqlrulesError(
                f"fault settings are {error}", Location.of(path, error.line, error.col)
            ) from None
        except json.JSONDecodeError as error:
            raise KqlrulesError(
                f"fault settings are not JSON: {error.msg}", Location.of(path, error.lineno, error.colno)
            ) from None
        except RecursionError:
            raise KqlrulesError("fault settings are nested too deeply", Location.of(path, 1, 1)) from None
        if not isinstance(data, dict):
            raise KqlrulesError("fault settings must be a JSON object", Location.of(path, 1, 1))
        return cls.from_mapping(data, str(path))


class FaultDraw:
    """Draws the fault for each request, thread-safely and reproducibly for a given seed."""

    def __init__(self, faults: Faults) -> None:
        self.faults = faults
        self._script = deque(faults.script)
        self._random = random.Random(faults.seed)
        self._lock = threading.Lock()

    def next(self) -> str:
        with self._lock:
            if self._script:
                return self._script.popleft()
            roll = self._random.random()
        for kind in ("drop", "throttle", "server_error", "timeout", "partial"):
            rate: float = getattr(self.faults, kind)
            if roll < rate:
                return kind
            roll -= rate
        return "ok"
