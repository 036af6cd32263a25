"""Parameters, lowest first: detection defaults < repository config < environment < --param."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from kqlrules.errors import KqlrulesError
from kqlrules.rules import ConfigError, ParamError, load_repository, parse_param_options
from tests.rules.conftest import GOOD_YAML, WriteFile

YAML_WITH_PARAMS = GOOD_YAML + "params:\n  level: from-default\n  users: [alice]\n  threshold: 5\n"
CONFIG = """\
[params]
level = "from-config"

[environments.prod]
workspace = "sentinel-prod"
[environments.prod.params]
level = "from-env"
"""


def level(root: Path, env: str | None = None, params: dict[str, str] | None = None) -> object:
    [loaded] = load_repository(root, env=env, params=params).detections
    return loaded.params()["level"]


@pytest.fixture
def configured(repo: Path, detection: Callable[..., None], write: WriteFile) -> Path:
    detection(yaml=YAML_WITH_PARAMS)
    write("kqlrules.toml", CONFIG)
    return repo


def test_detection_default_is_the_lowest(repo: Path, detection: Callable[..., None]) -> None:
    detection(yaml=YAML_WITH_PARAMS)
    assert level(repo) == "from-default"


def test_repository_config_beats_the_default(configured: Path) -> None:
    assert level(configured) == "from-config"


def test_environment_beats_the_config(configured: Path) -> None:
    assert level(configured, env="prod") == "from-env"


def test_command_line_beats_the_environment(configured: Path) -> None:
    assert level(configured, env="prod", params={"level": "from-cli"}) == "from-cli"


def test_render_overrides_beat_everything(configured: Path) -> None:
    [loaded] = load_repository(configured, env="prod", params={"level": "from-cli"}).detections
    assert loaded.params({"level": "from-call"})["level"] == "from-call"


def test_pyproject_tool_table_is_read_when_there_is_no_kqlrules_toml(
    repo: Path, detection: Callable[..., None], write: WriteFile
) -> None:
    detection(yaml=YAML_WITH_PARAMS)
    write("pyproject.toml", '[project]\nname = "x"\n\n[tool.kqlrules.params]\nlevel = "from-pyproject"\n')
    assert level(repo) == "from-pyproject"


def test_lookback_defaults_to_the_schedule_period(repo: Path, detection: Callable[..., None]) -> None:
    detection()
    [loaded] = load_repository(repo).detections
    assert loaded.params()["lookback"] == timedelta(hours=1)
    assert loaded.render({"lookback": "2h"}).text.endswith("ago(2h)")


def test_command_line_text_takes_the_type_of_the_default(configured: Path) -> None:
    [loaded] = load_repository(configured, params={"users": "bob,carol", "threshold": "7"}).detections
    assert (loaded.params()["users"], loaded.params()["threshold"]) == (["bob", "carol"], 7)


def test_command_line_value_of_the_wrong_type(configured: Path) -> None:
    [loaded] = load_repository(configured, params={"threshold": "many"}).detections
    with pytest.raises(ParamError, match="parameter threshold='many': expected int like its default"):
        loaded.params()


def test_environment_settings_are_typed(configured: Path) -> None:
    config = load_repository(configured).config
    assert config.environments["prod"].workspace == "sentinel-prod"
    assert config.environments["prod"].subscription is None


def test_unknown_environment_lists_the_known_ones(configured: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        load_repository(configured, env="staging")
    assert str(raised.value) == (
        "kqlrules.toml: unknown environment 'staging' (known: prod)\n"
        "  hint: define it under [environments.<name>] in kqlrules.toml"
    )


def test_broken_config_names_its_line_and_column(repo: Path, write: WriteFile) -> None:
    write("kqlrules.toml", "[params]\nlevel = \n")
    with pytest.raises(ConfigError) as raised:
        load_repository(repo)
    assert str(raised.value) == "kqlrules.toml:2:9: invalid TOML: Invalid value"


def test_config_cut_short_names_its_last_line(repo: Path, write: WriteFile) -> None:
    # tomllib says "(at end of document)" here, with no line: the message still points into the file.
    write("kqlrules.toml", "[params]\nlevel = 1\nfoo = [")
    with pytest.raises(ConfigError) as raised:
        load_repository(repo)
    assert str(raised.value) == "kqlrules.toml:3:8: invalid TOML: Invalid value"


def test_unknown_config_key_is_named(repo: Path, write: WriteFile) -> None:
    write("kqlrules.toml", "[params]\nlevel = 1\n\n[enviroments.prod]\n")
    with pytest.raises(ConfigError) as raised:
        load_repository(repo)
    assert str(raised.value) == "kqlrules.toml:4: unknown key 'enviroments'"


@pytest.mark.parametrize("option", ["novalue", "=x"])
def test_param_option_needs_name_and_value(option: str) -> None:
    with pytest.raises(KqlrulesError, match="write it as name=value"):
        parse_param_options([option])


def test_param_option_value_may_contain_equals() -> None:
    assert parse_param_options(["filter=a=b"]) == {"filter": "a=b"}
