"""Fixtures shared by every test module."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# One analyzer thread per Node process in the tests (docs/lint.md: KQLRULES_ANALYZER_WORKERS). pytest-xdist
# already runs a test process per core, and each analyzer thread loads Kusto.Language itself (about 2 CPU-s a
# Node start); a second thread would only pay that again. Inherited by every `kqlrules` the tests start.
# tests/kusto/test_bridge.py asks for two threads explicitly, so the dispatching path stays tested.
os.environ.setdefault("KQLRULES_ANALYZER_WORKERS", "1")


def shared_folder() -> Path | None:
    """The reference data folder (`../shared` beside the project, or `KQLRULES_SHARED`), if present."""
    candidates = [os.environ.get("KQLRULES_SHARED"), str(PROJECT_ROOT.parent / "shared")]
    for candidate in candidates:
        if candidate and (Path(candidate) / "README.md").is_file():
            return Path(candidate)
    return None


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    folder = shared_folder()
    if folder is None:
        pytest.skip("reference data ../shared/ is absent (set KQLRULES_SHARED to its path)")
    return folder


@pytest.fixture(scope="session")
def project_root() -> Path:
    return PROJECT_ROOT


# The long poles of the first step (`--durations`: each starts several `kqlrules` processes or kills and
# restarts runners), run first: pytest-xdist's worksteal hands each worker a contiguous share of this order
# and lets an idle worker take from the end of another's, so the last tests to start are short ones.
LONG_FIRST = (
    "tests/test_docs.py::test_every_marked_example_runs",
    "tests/runner/test_postgres_state.py",
    "tests/runner/test_crash_recovery.py",
    "tests/workflow/test_import_workspace.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: not item.nodeid.startswith(LONG_FIRST))


# `pytester` runs pytest in-process on a temporary project (the kqlrules pytest plugin's tests use it).
pytest_plugins = ["pytester"]
