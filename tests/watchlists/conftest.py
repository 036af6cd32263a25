"""The detection-repository fixture of tests/testing, for the CLI tests here."""

from tests.testing.conftest import repo

__all__ = ["repo"]
