"""The default sample week, generated once for the tests that only read it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kqlrules.sample import GeneratedTenant, generate


@pytest.fixture(scope="session")
def week(tmp_path_factory: pytest.TempPathFactory) -> GeneratedTenant:
    return generate(tmp_path_factory.mktemp("contoso"))


@pytest.fixture(scope="session")
def rows(week: GeneratedTenant) -> dict[str, list[dict[str, Any]]]:
    return {table: read_jsonl(path) for table, path in week.files.items()}


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
