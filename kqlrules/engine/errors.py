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


# A construct that is refused only once the data shows it (a value exactly halfway for round(), a shape a
# geo function does not compute): SQL `error()` and Python UDFs put this mark before the construct's name,
# and the engine turns the DuckDB error that carries it back into `UnsupportedKql`.
RUN_TIME_REFUSAL = "kqlrules-refuses: "


# Kusto's datetime spans 0001-01-01 to 9999-12-31 (scalar-data-types/datetime.md); what arithmetic beyond
# gives is not documented, so such an instant is refused wherever it surfaces.
DATETIME_OUT_OF_RANGE = "a datetime outside the range of datetime (0001-01-01 to 9999-12-31)"
# The engine keeps Kusto's 100-ns ticks exactly in DuckDB's TIMESTAMP_NS, which spans less than Kusto's
# datetime does (kqlrules.engine.types): an instant outside that span is refused, never wrapped or rounded.
DATETIME_OUTSIDE_ENGINE = (
    "a datetime outside 1677-09-21 00:12:43.1452242 to 2262-04-11 23:47:16.8547758 "
    "(the span the local engine holds to the 100-ns tick)"
)


class RefusedAtRunTime(ValueError):
    """Raised by a Python UDF for a value it cannot compute right; the query ends with `UnsupportedKql`."""

    def __init__(self, construct: str) -> None:
        super().__init__(RUN_TIME_REFUSAL + construct)


def refusal_sql(construct_sql: str) -> str:
    """A SQL expression that stops the query with a run-time refusal; `construct_sql` is a SQL string."""
    return f"error('{RUN_TIME_REFUSAL}' || {construct_sql})"


def refused_construct(message: str) -> str | None:
    """The construct a DuckDB error message refuses, or None when it is another error."""
    at = message.find(RUN_TIME_REFUSAL)
    if at < 0:
        return None
    return message[at + len(RUN_TIME_REFUSAL) :].strip().splitlines()[0]


class KqlSyntaxError(KqlEngineError):
    kind = "syntax"


class KqlSemanticError(KqlEngineError):
    kind = "semantic"

    def __init__(self, message: str, line: int = 0, col: int = 0, *, code: str | None = None) -> None:
        super().__init__(message, line, col)
        self.code = code  # the analyzer's diagnostic code (KS142...) when the analyzer reported it


class KqlRuntimeError(KqlEngineError):
    kind = "runtime"
