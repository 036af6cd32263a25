"""The ids `kqlrules init` cannot know are placeholders; a command that would query them says which key
to fill in, at its line, instead of sending a request no workspace answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from kqlrules.rules import PLACEHOLDER_ID, ConfigError, load_config, workspace_spec


def _config(tmp_path: Path, workspace_id: str) -> Path:
    (tmp_path / "kqlrules.toml").write_text(
        'repository = "acme/detections"\n\n[environments.prod]\nworkspace = "law"\n'
        f'workspace_id = "{workspace_id}"\n'
    )
    return tmp_path


def test_the_placeholder_workspace_id_is_named_at_its_line(tmp_path: Path) -> None:
    config = load_config(_config(tmp_path, PLACEHOLDER_ID))
    with pytest.raises(ConfigError, match="workspace_id is still the placeholder") as error:
        workspace_spec(None, config, "prod")
    assert error.value.location is not None and error.value.location.line == 5
    assert "Workspace ID" in (error.value.hint or "")


def test_a_real_workspace_id_and_an_explicit_workspace_are_used(tmp_path: Path) -> None:
    real = "2f8b3c1e-6a0d-4a43-9b52-1c7e4d9a0f11"
    assert workspace_spec(None, load_config(_config(tmp_path, real)), "prod") == real
    placeholder = load_config(_config(tmp_path, PLACEHOLDER_ID))
    assert workspace_spec("local:sample", placeholder, "prod") == "local:sample"
