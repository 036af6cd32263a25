"""Errors a user can cause, each with the place in their files where it happened.

Every room raises a subclass of `KqlrulesError` for a user's mistake; the CLI prints `str(error)` (with
`path:line:col` and a hint where there is one) and exits non-zero, never a traceback. Catch
`KqlrulesError` to handle them all. The hierarchy, by room:

```text
KqlrulesError
+-- ValidationError             rules: a detection, template or configuration is invalid
|   +-- MetadataError, TemplateError, ConfigError, SentinelYamlError, ContractError
+-- ParamError, RepositoryProblems, UsageProblem
+-- SchemaError, WorkspaceSchemaError, AnalyzerMissing        kusto: schemas, the analyzer's install
+-- AnalyzerError               the analyzer process failed
|   +-- AnalyzerTimeout, TreeTooDeep
+-- KqlEngineError              engine: the local KQL engine
|   +-- KqlSyntaxError, KqlSemanticError, KqlRuntimeError
|   +-- UnsupportedKql          a construct the engine cannot answer exactly (never a wrong answer)
+-- WorkspaceError              workspace: a query through the Log Analytics API failed
|   +-- AuthenticationFailed, QueryRejected, QueryThrottled, QueryTimedOut, PartialResult,
|       ServiceUnavailable, ConnectionDropped
+-- WorkspaceDataError, IngestionRejected, WatchlistError     table files, ingestion, watchlists
+-- TestFileError, FixtureError, UnknownDetection, ResultShapeError, SampleError    testing, sample
+-- DeliveryFailed, LeaseLost    runner: alert delivery, a lease taken over
+-- ArmError                    deploy: Azure (or the emulator) refused a request
|   +-- ConcurrencyConflict     the resource changed since the plan read it
+-- DeployConfigError, PreflightError, SentinelImportError, SourcesConfigError
```
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class Location:
    """A place in a user's file: 1-based line and column."""

    path: str
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        if self.line <= 0:
            return self.path
        if self.col <= 0:
            return f"{self.path}:{self.line}"
        return f"{self.path}:{self.line}:{self.col}"

    @classmethod
    def of(cls, path: str | Path, line: int = 0, col: int = 0) -> Location:
        return cls(str(path), line, col)


class KqlrulesError(Exception):
    """A problem in the user's input or environment, reported as `path:line:col: message`."""

    def __init__(self, message: str, location: Location | None = None, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.location = location
        self.hint = hint

    def __str__(self) -> str:
        text = f"{self.location}: {self.message}" if self.location else self.message
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


class ValidationError(KqlrulesError):
    """Detection metadata, template or repository configuration is invalid."""


class UsageProblem(KqlrulesError):
    """The command line itself is wrong (options that exclude each other, a missing choice, a parameter no
    detection has): the CLI exits 2, where every other `KqlrulesError` exits 1."""
