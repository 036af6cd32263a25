"""Prune deletes only what this repository owns, so it needs an identity the user chose: two clones in
folders of the same name (and no `repository` in kqlrules.toml) must never prune each other's rules."""

from __future__ import annotations

import subprocess
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kqlrules.cli.main import app
from kqlrules.deploy import environment_from_config
from kqlrules.deploy.emulator import ArmEmulator
from kqlrules.rules import load_config

from .conftest import ACTION_GROUP, SUBSCRIPTION
from .test_cli import write_rule

ENVIRONMENT = """
[environments.dev]
subscription = "{subscription}"
resource_group = "sec-rg"
workspace = "sec-ws"
location = "westeurope"
action_groups = ["{action_group}"]
targets = ["sentinel", "monitor"]
arm_endpoint = "{url}"
"""


def make_repo(folder: Path, url: str, rule: str, top: str = "") -> Path:
    folder.mkdir(parents=True)
    environment = ENVIRONMENT.format(subscription=SUBSCRIPTION, action_group=ACTION_GROUP, url=url)
    (folder / "kqlrules.toml").write_text(top + environment)
    write_rule(folder, rule)
    return folder


def deploy(repo: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["--repo", str(repo), "deploy", *args])
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def test_two_repositories_in_folders_of_one_name_cannot_prune_each_other(
    tmp_path: Path, emulator: ArmEmulator
) -> None:
    first = make_repo(tmp_path / "a" / "detections", emulator.url, "brute_force")
    second = make_repo(tmp_path / "b" / "detections", emulator.url, "spray")
    assert deploy(first, "apply", "--auto-approve")[0] == 0
    code, output = deploy(second, "apply", "--auto-approve", "--prune")
    assert code == 1
    assert "--prune needs" in output and 'repository = "' in output and "kqlrules.toml" in output
    names = {r.path.rsplit("/", 1)[-1] for r in emulator.requests if r.method == "DELETE"}
    assert names == set()  # the first repository's rules are all still there
    code, output = deploy(second, "plan", "--prune")
    assert code == 1 and "--prune needs" in output


def test_with_an_identity_in_kqlrules_toml_prune_deletes_only_its_own(
    tmp_path: Path, emulator: ArmEmulator
) -> None:
    first = make_repo(tmp_path / "a" / "detections", emulator.url, "brute_force", 'repository = "team-a"\n')
    second = make_repo(tmp_path / "b" / "detections", emulator.url, "spray", 'repository = "team-b"\n')
    assert deploy(first, "apply", "--auto-approve")[0] == 0
    assert deploy(second, "apply", "--auto-approve")[0] == 0
    for path in (second / "queries" / "identity").iterdir():
        path.unlink()
    code, output = deploy(second, "apply", "--auto-approve", "--prune")
    assert code == 0, output
    assert "2 applied, 0 failed" in output
    code, output = deploy(first, "plan", "--prune")
    assert code == 0 and "No changes" in output


def test_the_identity_comes_from_the_environment_then_the_top_level_then_is_implicit(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", "http://127.0.0.1:1", "spray", 'repository = "acme/detections"\n')
    chosen = environment_from_config(load_config(repo), "dev", repo)
    assert (chosen.repository, chosen.repository_explicit) == ("acme/detections", True)
    config = repo / "kqlrules.toml"
    config.write_text(config.read_text().replace('repository = "acme/detections"\n', ""))
    implicit = environment_from_config(load_config(repo), "dev", repo)
    assert (implicit.repository, implicit.repository_explicit) == ("repo", False)


def test_init_writes_a_unique_repository_identity(tmp_path: Path) -> None:
    identities = []
    for name in ("a", "b"):
        folder = tmp_path / name / "detections"
        folder.mkdir(parents=True)
        result = CliRunner().invoke(app, ["init", str(folder)])
        assert result.exit_code == 0, result.output
        config = tomllib.loads((folder / "kqlrules.toml").read_text())
        identities.append(config["repository"])
    assert identities[0] != identities[1] and all(i.startswith("detections-") for i in identities)


def test_init_in_a_clone_uses_its_git_origin(tmp_path: Path) -> None:
    folder = tmp_path / "detections"
    folder.mkdir()
    subprocess.run(["git", "init", "-q", str(folder)], check=True)
    subprocess.run(
        ["git", "-C", str(folder), "remote", "add", "origin", "git@github.com:acme/sentinel-rules.git"],
        check=True,
    )
    result = CliRunner().invoke(app, ["init", str(folder)])
    assert result.exit_code == 0, result.output
    assert tomllib.loads((folder / "kqlrules.toml").read_text())["repository"] == "acme/sentinel-rules"


@pytest.mark.parametrize("value", ['""', '"  "', "[1]"])
def test_a_blank_or_wrong_repository_is_a_clear_config_error(tmp_path: Path, value: str) -> None:
    repo = make_repo(tmp_path / "repo", "http://127.0.0.1:1", "spray", f"repository = {value}\n")
    code, output = deploy(repo, "plan")
    assert code == 1 and "repository" in output
