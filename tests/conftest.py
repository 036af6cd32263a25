"""Fixtures shared by every test module."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent


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


# `pytester` runs pytest in-process on a temporary project (the kqlrules pytest plugin's tests use it).
pytest_plugins = ["pytester"]
