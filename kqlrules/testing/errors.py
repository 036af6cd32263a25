"""Mistakes in test files and fixtures, each reported at its file:line:col and naming the case."""

from __future__ import annotations

from kqlrules.errors import KqlrulesError


class TestFileError(KqlrulesError):
    """A `.tests.yaml` file is malformed: bad YAML, an unknown key, a value of the wrong shape."""

    __test__ = False  # not a pytest test class, despite its name


class FixtureError(KqlrulesError):
    """A fixture row does not fit its table: unknown column, wrong type, unreadable file."""


class UnknownDetection(KqlrulesError):
    """A test file or a command names a detection the repository does not have."""
