"""The sample tenant, generated once per module that asks for it."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from kqlrules.cli.main import app
from kqlrules.sample import generate


@pytest.fixture(scope="module")
def sample_tenant(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sample") / "workspace"
    generate(folder)
    return folder


def invoke(*args: str) -> tuple[int, str, str]:
    """Run the CLI; (exit code, stdout, stderr)."""
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr
