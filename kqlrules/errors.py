"""Errors a user can cause, each with the place in their files where it happened.

Every room raises a subclass of `KqlrulesError` for a user's mistake; the CLI prints `str(error)` and exits
non-zero, never a traceback.
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


class NotAvailableYet(KqlrulesError):
    """A command group exists in the CLI but is not built yet."""
