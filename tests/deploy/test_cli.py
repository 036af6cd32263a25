"""`kqlrules deploy plan|apply|drift|export` on a small repository, against the ARM emulator."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kqlrules.cli.main import app
from kqlrules.deploy.emulator import ArmEmulator

from .conftest import ACTION_GROUP, SUBSCRIPTION, Portal, make_environment

RULE = """\
id: {id}
name: {name}
severity: Medium
schedule: {{frequency: 1h, period: 1h}}
trigger: {{operator: {operator}, threshold: {threshold}}}
tactics: [CredentialAccess]
entities:
  Account: UserPrincipalName
"""
QUERY = "SigninLogs\n| where TimeGenerated > ago({{ lookback | kql_timespan }})\n| where ResultType != 0\n"
IDS = {"brute_force": "0a5c1e00-0000-4000-8000-000000000001", "spray": "0a5c1e00-0000-4000-8000-000000000002"}


def write_rule(repo: Path, name: str, operator: str = "gt", threshold: int = 5) -> None:
    folder = repo / "queries" / "identity"
    folder.mkdir(parents=True, exist_ok=True)
    text = RULE.format(id=IDS[name], name=name.replace("_", " "), operator=operator, threshold=threshold)
    (folder / f"{name}.yaml").write_text(text)
    (folder / f"{name}.kql").write_text(QUERY)


@pytest.fixture
def repo(tmp_path: Path, emulator: ArmEmulator) -> Path:
    (tmp_path / "kqlrules.toml").write_text(
        f"""[environments.dev]
subscription = "{SUBSCRIPTION}"
resource_group = "sec-rg"
workspace = "sec-ws"
location = "westeurope"
action_groups = ["{ACTION_GROUP}"]
targets = ["sentinel", "monitor"]
arm_endpoint = "{emulator.url}"
repository = "acme/detections"
"""
    )
    write_rule(tmp_path, "brute_force")
    write_rule(tmp_path, "spray")
    return tmp_path


def kqlrules(repo: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["--repo", str(repo), "deploy", *args])
    return result.exit_code, result.stdout, result.stderr


def test_plan_lists_creates_then_apply_then_plan_shows_no_changes(repo: Path) -> None:
    code, out, _ = kqlrules(repo, "plan")
    assert code == 0
    assert "4 to create" in out and "+ create" in out
    code, _, err = kqlrules(repo, "apply", "--auto-approve")
    assert code == 0, err
    assert "4 applied, 0 failed" in err
    code, out, _ = kqlrules(repo, "plan")
    assert code == 0
    assert "No changes: Azure matches the repository." in out


def test_plan_in_markdown_shows_a_field_level_update_for_a_pr_comment(repo: Path) -> None:
    kqlrules(repo, "apply", "--auto-approve")
    write_rule(repo, "spray", threshold=20)
    code, out, _ = kqlrules(repo, "plan", "--format", "markdown")
    assert code == 0
    assert "### kqlrules deploy plan: `dev`" in out
    assert "| `properties.triggerThreshold` | `5` | `20` |" in out
    assert "| `properties.criteria.allOf[0].threshold` | `5.0` | `20.0` |" in out


def test_plan_as_json_is_machine_readable(repo: Path) -> None:
    code, out, _ = kqlrules(repo, "plan", "--format", "json")
    assert code == 0
    assert json.loads(out)["summary"]["create"] == 4


def test_drift_shows_a_portal_edit_and_exits_1(repo: Path, emulator: ArmEmulator) -> None:
    kqlrules(repo, "apply", "--auto-approve")
    Portal(emulator, make_environment(emulator.url)).edit("sentinel", IDS["spray"], queryFrequency="PT30M")
    code, out, _ = kqlrules(repo, "drift")
    assert code == 1  # drift is a finding: the CLI's one convention
    assert "edited in Azure" in out
    assert "properties.queryFrequency" in out and "PT30M" in out
    assert kqlrules(repo, "drift", "--detailed-exitcode")[0] == 2


def test_plan_exits_0_with_changes_and_2_with_detailed_exitcode(repo: Path) -> None:
    assert kqlrules(repo, "plan")[0] == 0
    assert kqlrules(repo, "plan", "--detailed-exitcode")[0] == 2
    kqlrules(repo, "apply", "--auto-approve")
    assert kqlrules(repo, "plan", "--detailed-exitcode")[0] == 0


def test_drift_is_quiet_when_azure_matches(repo: Path) -> None:
    kqlrules(repo, "apply", "--auto-approve")
    code, out, _ = kqlrules(repo, "drift")
    assert (code, "No drift." in out) == (0, True)
    assert kqlrules(repo, "drift", "--detailed-exitcode")[0] == 0


def test_apply_with_prune_deletes_the_owned_rules_of_a_removed_detection(repo: Path) -> None:
    kqlrules(repo, "apply", "--auto-approve")
    (repo / "queries/identity/spray.yaml").unlink()
    (repo / "queries/identity/spray.kql").unlink()
    code, _, _ = kqlrules(repo, "apply", "--auto-approve")
    assert code == 0
    code, out, _ = kqlrules(repo, "apply", "--auto-approve", "--prune")
    assert code == 0
    assert out.count("- delete") == 2
    assert "0 to delete" in kqlrules(repo, "plan", "--prune")[1]


def test_apply_without_approval_outside_a_terminal_changes_nothing(repo: Path, emulator: ArmEmulator) -> None:
    code, _, err = kqlrules(repo, "apply")
    assert code == 1
    assert "--auto-approve" in err
    assert not [r for r in emulator.requests if r.method == "PUT"]


def test_preflight_stops_before_any_call(repo: Path, emulator: ArmEmulator) -> None:
    write_rule(repo, "spray", operator="ne")
    code, _, err = kqlrules(repo, "apply", "--auto-approve")
    assert code == 1
    assert "queries/identity/spray.yaml:5:" in err  # the line of `trigger:`'s operator
    assert "monitor: trigger operator 'ne' has no Azure Monitor equivalent" in err
    assert "nothing was sent" in err
    assert "Traceback" not in err
    assert emulator.requests == []


def test_a_rejected_rule_fails_the_apply_but_the_others_are_deployed(
    repo: Path, emulator: ArmEmulator
) -> None:
    # What no pre-deploy check can know: the action group the Monitor rules notify was deleted in Azure.
    emulator.state.action_groups.clear()
    code, _, err = kqlrules(repo, "apply", "--auto-approve")
    assert code == 1
    assert "2 applied, 2 failed" in err
    assert "does not exist" in err


def test_export_writes_arm_templates(repo: Path, emulator: ArmEmulator, tmp_path: Path) -> None:
    out = tmp_path / "arm"
    code, stdout, _ = kqlrules(repo, "export", "--output", str(out))
    assert code == 0, stdout
    assert sorted(p.name for p in out.iterdir()) == ["monitor.json", "sentinel.json"]
    assert emulator.requests == []


def test_export_reads_its_old_spelling(repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "arm"
    code, stdout, err = kqlrules(repo, "export", "--format", "arm", "--out", str(out))
    assert code == 0, stdout + err
    assert sorted(p.name for p in out.iterdir()) == ["monitor.json", "sentinel.json"]
    assert "--out is now --output" in err


def test_an_unknown_environment_is_a_clear_error(repo: Path) -> None:
    code, _, err = kqlrules(repo, "plan", "--env", "prod")
    assert code == 1
    assert "prod" in err and "dev" in err


def test_a_changed_query_is_shown_as_a_line_diff(repo: Path) -> None:
    kqlrules(repo, "apply", "--auto-approve")
    (repo / "queries/identity/spray.kql").write_text(QUERY + "| where AppDisplayName != 'Azure Portal'\n")
    out = kqlrules(repo, "plan")[1]
    assert "properties.query:" in out
    assert "+| where AppDisplayName != 'Azure Portal'" in out
    markdown = kqlrules(repo, "plan", "--format", "markdown")[1]
    assert "```diff\n" in markdown and "\n+| where AppDisplayName != 'Azure Portal'\n```" in markdown


def test_plan_detailed_exitcode_is_2_with_changes_0_without(repo: Path) -> None:
    code, out, _ = kqlrules(repo, "plan", "--detailed-exitcode")
    assert code == 2 and "4 to create" in out
    assert kqlrules(repo, "plan")[0] == 0  # without the flag, changes are not an exit status
    kqlrules(repo, "apply", "--auto-approve")
    assert kqlrules(repo, "plan", "--detailed-exitcode")[0] == 0
    (repo / "queries/identity/spray.yaml").write_text("id: [unclosed\n")
    assert kqlrules(repo, "plan", "--detailed-exitcode")[0] == 1


def test_apply_only_applies_the_named_detection(repo: Path) -> None:
    code, _, err = kqlrules(repo, "apply", "--auto-approve", "--only", "spray")
    assert code == 0 and "2 applied, 0 failed" in err
    out = kqlrules(repo, "plan")[1]
    assert "2 to create" in out and "brute force" in out and "2 unchanged" in out


def test_plan_lists_owned_rules_that_left_the_repository(repo: Path) -> None:
    kqlrules(repo, "apply", "--auto-approve")
    for suffix in ("yaml", "kql"):
        (repo / f"queries/identity/spray.{suffix}").unlink()
    out = kqlrules(repo, "plan")[1]
    assert "2 owned rules are no longer in the repository: --prune deletes them" in out
    assert "0 to delete" in out
    assert "2 to delete" in kqlrules(repo, "plan", "--prune")[1]


def _two_environments(repo: Path) -> None:
    text = (repo / "kqlrules.toml").read_text()
    prod = text.replace("[environments.dev]", "[environments.prod]")
    (repo / "kqlrules.toml").write_text(text + "\n" + prod)


def test_export_without_env_marks_rules_with_the_configured_repository(repo: Path, tmp_path: Path) -> None:
    _two_environments(repo)
    code, _, err = kqlrules(repo, "export", "--out", str(tmp_path / "arm"))
    assert code == 0, err
    template = json.loads((tmp_path / "arm" / "sentinel.json").read_text())
    description = template["resources"][0]["properties"]["description"]
    assert "repository=acme/detections" in description and repo.name not in description


def test_export_without_env_still_runs_the_pre_deploy_checks(repo: Path, tmp_path: Path) -> None:
    _two_environments(repo)
    path = repo / "queries/identity/spray.yaml"
    path.write_text(path.read_text() + 'alert: {title: "{{A}} {{B}} {{C}} {{D}}"}\n')
    code, _, err = kqlrules(repo, "export", "--out", str(tmp_path / "arm"))
    assert code == 1 and "nothing was sent" in err and "placeholders" in err
    assert not (tmp_path / "arm").exists()


def test_watchlists_are_planned_and_applied_with_the_rules(repo: Path) -> None:
    (repo / "watchlists").mkdir()
    (repo / "watchlists" / "breakglass.csv").write_text("UserPrincipalName\nbg1@contoso.com\n")
    code, out, _ = kqlrules(repo, "plan")
    assert code == 0 and "5 to create" in out and "breakglass" in out
    code, _, err = kqlrules(repo, "apply", "--auto-approve")
    assert code == 0, err
    assert "5 applied, 0 failed" in err
    code, out, _ = kqlrules(repo, "plan")
    assert "No changes: Azure matches the repository." in out
    (repo / "watchlists" / "breakglass.csv").write_text(
        "UserPrincipalName\nbg1@contoso.com\nbg2@contoso.com\n"
    )
    code, out, _ = kqlrules(repo, "plan")
    assert code == 0 and "1 to update" in out and "bg2@contoso.com" in out
