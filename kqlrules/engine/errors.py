"""What the local engine raises: each a `KqlrulesError` with the query's line and column where one exists."""

from __future__ import annotations

from kqlrules.errors import KqlrulesError, Location

QUERY = "<query>"


class KqlEngineError(KqlrulesError):
    """Base of the engine's errors; `kind` is what `kqlrules query --jsonl` reports."""

    kind = "runtime"

    def __init__(self, message: str, line: int = 0, col: int = 0, *, hint: str | None = None) -> None:
        super().__init__(message, Location(QUERY, line, col) if line else None, hint=hint)
        self.line = line
        self.col = col


class UnsupportedKql(KqlEngineError):
    """A construct the local engine cannot run yet: an explicit refusal, never a wrong answer."""

    kind = "unsupported"

    def __init__(self, construct: str, line: int = 0, col: int = 0) -> None:
        super().__init__(f"the local engine does not support {construct} yet", line, col)
        self.construct = construct


class KqlSyntaxError(KqlEngineError):
    kind = "syntax"


class KqlSemanticError(KqlEngineError):
    kind = "semantic"

    def __init__(self, message: str, line: int = 0, col: int = 0, *, code: str | None = None) -> None:
        super().__init__(message, line, col)
        self.code = code  # the analyzer's diagnostic code (KS142...) when the analyzer reported it


class KqlRuntimeError(KqlEngineError):
    kind = "runtime"
