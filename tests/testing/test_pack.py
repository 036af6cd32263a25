"""The project's own detection pack: every detection has cases, they pass, and pytest collects the same."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kqlrules.kusto import SchemaSet
from kqlrules.testing.local_backend import LocalBackend
from kqlrules.testing.runner import TestSession, coverage_problems
from kqlrules.testing.session import plan_tests, repository_schemas
from tests.conftest import PROJECT_ROOT, shared_folder

PACK = plan_tests(PROJECT_ROOT)
KEYS = [item.key for item in PACK.items]


@pytest.fixture(scope="module")
def schemas() -> SchemaSet:
    """The built-in schemas, or the reference tables when the built-in set lacks a table the pack reads."""
    found = repository_schemas(PROJECT_ROOT)
    needed = {table for item in PACK.items for table in item.detection.meta.tables}
    if needed <= set(found.tables):
        return found
    shared = shared_folder()
    if shared is None:
        pytest.skip("no schema for " + ", ".join(sorted(needed - set(found.tables))) + " without ../shared")
    return repository_schemas(PROJECT_ROOT, [shared / "schemas" / "tables"])


@pytest.fixture(scope="module")
def session(schemas: SchemaSet) -> TestSession:
    return TestSession(schemas, LocalBackend(schemas))


def test_every_detection_has_cases_that_fire_and_cases_that_must_not() -> None:
    assert PACK.problems == []
    assert [problem.message() for problem in coverage_problems(PACK.items, 1)] == []


# Every case of every detection of the pack (half a minute of CPU): a whole-corpus sweep, the second step of
# `make test` (see the Makefile). The runner's behaviour is tested case by case in this folder's other files.
@pytest.mark.sweep
@pytest.mark.parametrize("key", KEYS)
def test_the_detections_cases_pass(key: str, session: TestSession) -> None:
    [item] = [item for item in PACK.items if item.key == key]
    assert item.file is not None
    results = [session.run_case(item.detection, case) for case in item.file.cases]
    # The pack is ours: every case runs on the local engine, including any construct it might refuse.
    assert [r.message() for r in results if not r.ok] == []


def test_pytest_collects_the_same_cases() -> None:
    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "kqlrules.testing.pytest_plugin",
            "--kqlrules",
            "queries",
            "--collect-only",
            "-q",
            "-p",
            "no:cacheprovider",
        ],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    collected = {line for line in completed.stdout.splitlines() if "::" in line}
    expected = {
        f"{Path(case.file).relative_to(PROJECT_ROOT).as_posix()}::{case.name}"
        for item in PACK.items
        if item.file
        for case in item.file.cases
    }
    assert collected == expected, completed.stdout + completed.stderr
