"""Intune diagnostic settings and Defender for Cloud continuous export: planned, applied and checked like the
other sources, through the CLI against the ARM emulator, which refuses what Azure refuses."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from kqlrules.deploy import ArmError
from kqlrules.deploy.emulator import ArmEmulator
from kqlrules.sources import INTUNE_SCOPE, Export, Setting

from .test_sources_cli import RULE, SUBSCRIPTION, WORKSPACE_ID, check, kqlrules, store, write_rows

DETECTIONS = {
    "wiped": ("IntuneAuditLogs", "| where OperationName has 'wipe'", "0a5c1e00-0000-4000-8000-000000000021"),
    "alert_signin": (
        "SecurityAlert",
        "| where ProviderName == 'Azure Security Center'",
        "0a5c1e00-0000-4000-8000-000000000022",
    ),
}
AUTOMATIONS = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/sec-rg/providers/Microsoft.Security/automations"


@pytest.fixture
def emulator() -> Iterator[ArmEmulator]:
    with ArmEmulator() as arm:
        yield arm


@pytest.fixture
def repo(tmp_path: Path, emulator: ArmEmulator) -> Path:
    (tmp_path / "kqlrules.toml").write_text(
        f"""[environments.dev]
subscription = "{SUBSCRIPTION}"
resource_group = "sec-rg"
workspace = "sec-ws"
location = "westeurope"
targets = ["sentinel"]
arm_endpoint = "{emulator.url}"
repository = "acme/detections"
workspace_id = "local:{tmp_path / "workspace"}"
"""
    )
    folder = tmp_path / "queries" / "devices"
    folder.mkdir(parents=True)
    for name, (table, query, ident) in DETECTIONS.items():
        (folder / f"{name}.yaml").write_text(RULE.format(ident=ident, name=name, table=table))
        (folder / f"{name}.kql").write_text(f"{table}\n{query}\n")
    write_rows(tmp_path, [])
    return tmp_path


def test_intune_and_defender_go_from_blind_to_seeing_and_a_second_plan_is_empty(
    repo: Path, emulator: ArmEmulator
) -> None:
    code, problems = check(repo)
    assert code == 1
    assert problems["wiped"][0] == "not exported" and problems["alert_signin"][0] == "not exported"

    code, plan = kqlrules(repo, "plan")
    assert code == 0, plan
    settings = {s["scope"]: s for s in plan["settings"]}
    assert settings["Intune"] == {
        "action": "create",
        "scope": "Intune",
        "name": "kqlrules",
        "categories": ["AuditLogs"],
        "adds": ["AuditLogs"],
    }
    assert plan["exports"] == [
        {
            "action": "create",
            "resource_group": "sec-rg",
            "name": "kqlrules",
            "event_sources": ["Alerts"],
            "adds": ["Alerts"],
        }
    ]
    assert plan["checked_only"] == []

    code, applied = kqlrules(repo, "apply", "--auto-approve")
    assert code == 0 and applied["applied"] == plan["changes"]
    automation = emulator.state.resources[f"{AUTOMATIONS}/kqlrules".lower()].body
    assert automation["properties"]["actions"] == [
        {"actionType": "Workspace", "workspaceResourceId": WORKSPACE_ID}
    ]
    assert automation["properties"]["scopes"] == [{"scopePath": f"/subscriptions/{SUBSCRIPTION}"}]
    assert automation["location"] == "westeurope"
    intune = store(emulator).settings(INTUNE_SCOPE)
    assert [(s.name, s.categories, s.workspace_id) for s in intune] == [
        ("kqlrules", frozenset({"AuditLogs"}), WORKSPACE_ID)
    ]

    code, again = kqlrules(repo, "plan", "--detailed-exitcode")
    assert code == 0 and again["changes"] == 0, again

    write_rows(repo, ["IntuneAuditLogs", "SecurityAlert"])
    code, problems = check(repo)
    assert code == 0 and problems == {"wiped": [], "alert_signin": []}


def test_a_disabled_or_narrowed_export_leaves_security_alert_readers_blind(
    repo: Path, emulator: ArmEmulator
) -> None:
    kqlrules(repo, "apply", "--auto-approve")
    write_rows(repo, ["IntuneAuditLogs", "SecurityAlert"])
    client = store(emulator)
    ours = next(e for e in client.exports() if e.name == "kqlrules")
    # Switched off in the portal: alerts stop flowing, whatever the table still holds.
    client.put_export(replace(ours, enabled=False))
    _, problems = check(repo)
    assert problems["alert_signin"] == ["not exported"] and problems["wiped"] == []
    # Narrowed to one resource group: alerts of the rest of the subscription are not exported.
    group = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/app-rg"
    client.put_export(replace(ours, scopes=(group,)))
    _, problems = check(repo)
    assert problems["alert_signin"] == ["not exported"]
    # The next apply puts ours back as declared.
    _, plan = kqlrules(repo, "plan")
    assert [e["action"] for e in plan["exports"]] == ["update"]
    kqlrules(repo, "apply", "--auto-approve")
    _, problems = check(repo)
    assert problems["alert_signin"] == []


def test_a_foreign_automation_and_a_foreign_intune_setting_are_left_alone_and_count(
    repo: Path, emulator: ArmEmulator
) -> None:
    client = store(emulator)
    foreign_export = Export(
        "soc-rg",
        "ExportToWorkspace",
        frozenset({"Alerts", "Assessments"}),
        (WORKSPACE_ID,),
        (f"/subscriptions/{SUBSCRIPTION}",),
        True,
        "westeurope",
    )
    client.put_export(foreign_export)
    foreign_setting = Setting(INTUNE_SCOPE, "intune-team", frozenset({"AuditLogs", "Devices"}), WORKSPACE_ID)
    client.put_setting(foreign_setting)
    before = {key: stored.body for key, stored in emulator.state.resources.items()}

    code, plan = kqlrules(repo, "plan")
    assert plan["exports"] == [] and not [s for s in plan["settings"] if s["scope"] == "Intune"], plan
    kqlrules(repo, "apply", "--auto-approve")
    for key in before:
        if "automations" in key or "microsoft.intune" in key:
            assert emulator.state.resources[key].body == before[key]
    assert [e.name for e in client.exports()] == ["ExportToWorkspace"]
    assert [s.name for s in client.settings(INTUNE_SCOPE)] == ["intune-team"]

    write_rows(repo, ["IntuneAuditLogs", "SecurityAlert"])
    code, problems = check(repo)
    assert code == 0, problems


def test_an_automation_to_another_workspace_does_not_count(repo: Path, emulator: ArmEmulator) -> None:
    other = WORKSPACE_ID.replace("sec-ws", "other-ws")
    store(emulator).put_export(
        Export(
            "soc-rg",
            "elsewhere",
            frozenset({"Alerts"}),
            (other,),
            (f"/subscriptions/{SUBSCRIPTION}",),
            True,
            "westeurope",
        )
    )
    _, plan = kqlrules(repo, "plan")
    assert [e["event_sources"] for e in plan["exports"]] == [["Alerts"]]


def test_declared_event_sources_and_intune_categories_are_exported_before_a_detection_reads_them(
    repo: Path,
) -> None:
    config = repo / "kqlrules.toml"
    config.write_text(
        config.read_text()
        + "\n[environments.dev.sources]\n"
        + 'intune_categories = ["Devices"]\ndefender_event_sources = ["Assessments"]\n'
    )
    _, plan = kqlrules(repo, "plan")
    assert {s["scope"]: s["categories"] for s in plan["settings"]}["Intune"] == ["AuditLogs", "Devices"]
    assert plan["exports"][0]["event_sources"] == ["Alerts", "Assessments"]


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("intune_categories", '["DeviceCompliance"]', "unknown Intune category 'DeviceCompliance'"),
        ("defender_event_sources", '["Alert"]', "unknown Defender for Cloud event source 'Alert'"),
    ],
)
def test_an_unknown_declared_category_is_a_clear_error(
    repo: Path, key: str, value: str, message: str
) -> None:
    config = repo / "kqlrules.toml"
    config.write_text(config.read_text() + f"\n[environments.dev.sources]\n{key} = {value}\n")
    code, output = kqlrules(repo, "plan")
    assert code == 1
    assert message in str(output) and "Traceback" not in str(output)


def test_an_export_needs_a_region(repo: Path) -> None:
    config = repo / "kqlrules.toml"
    config.write_text(config.read_text().replace('location = "westeurope"\n', ""))
    code, output = kqlrules(repo, "plan")
    assert code == 1 and "needs a region for the automation" in str(output)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"properties": {"logs": [{"category": "AuditLogs", "enabled": True}]}}, "at least one destination"),
        (
            {
                "properties": {
                    "workspaceId": WORKSPACE_ID,
                    "logs": [{"category": "SignInLogs", "enabled": True}],
                }
            },
            "category 'SignInLogs' is not supported here",
        ),
        (
            {
                "properties": {
                    "workspaceId": WORKSPACE_ID,
                    "logs": [{"category": "Devices", "enabled": "yes"}],
                }
            },
            r"enabled \(a boolean\)",
        ),
    ],
)
def test_the_emulator_refuses_intune_settings_azure_refuses(
    emulator: ArmEmulator, body: dict[str, Any], message: str
) -> None:
    with pytest.raises(ArmError, match=message):
        store(emulator)._put_raw(INTUNE_SCOPE, "bad", body)


def test_the_emulator_refuses_one_intune_category_to_one_workspace_twice(emulator: ArmEmulator) -> None:
    client = store(emulator)
    client.put_setting(Setting(INTUNE_SCOPE, "first", frozenset({"Devices"}), WORKSPACE_ID))
    with pytest.raises(ArmError, match="Data sinks can't be reused"):
        client.put_setting(Setting(INTUNE_SCOPE, "second", frozenset({"Devices"}), WORKSPACE_ID))


def _put_automation(emulator: ArmEmulator, body: Any, version: str = "2023-12-01-preview") -> tuple[int, Any]:
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        f"{emulator.url}{AUTOMATIONS}/raw?api-version={version}",
        data=json.dumps(body).encode(),
        method="PUT",
        headers={"Authorization": f"Bearer {emulator.token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


GOOD = {
    "location": "westeurope",
    "properties": {
        "isEnabled": True,
        "scopes": [{"scopePath": f"/subscriptions/{SUBSCRIPTION}"}],
        "sources": [{"eventSource": "Alerts", "ruleSets": []}],
        "actions": [{"actionType": "Workspace", "workspaceResourceId": WORKSPACE_ID}],
    },
}


def _with(**properties: Any) -> dict[str, Any]:
    return {**GOOD, "properties": {**GOOD["properties"], **properties}}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"properties": GOOD["properties"]}, "needs a location"),
        (_with(sources=[{"eventSource": "Alert"}]), "eventSource 'Alert' is not one of"),
        (_with(actions=[{"workspaceResourceId": WORKSPACE_ID}]), "needs an actionType"),
        (_with(actions=[{"actionType": "Email"}]), "actionType 'Email' is not one of"),
        (
            _with(actions=[{"actionType": "Workspace", "workspaceResourceId": "sec-ws"}]),
            "is not a fully qualified Log Analytics workspace id",
        ),
        (
            _with(scopes=[{"scopePath": "/subscriptions/00000000-0000-0000-0000-0000000000bb"}]),
            "a scope is the automation's subscription",
        ),
        (
            _with(sources=[{"eventSource": "Alerts", "ruleSets": [{"rules": [{"operator": "Is"}]}]}]),
            "operator 'Is' is not one of",
        ),
        (_with(isEnabled="true"), "isEnabled must be a boolean"),
    ],
)
def test_the_emulator_refuses_automations_the_spec_refuses(
    emulator: ArmEmulator, body: dict[str, Any], message: str
) -> None:
    status, answer = _put_automation(emulator, body)
    assert status == 400 and message in answer["error"]["message"], answer


def test_the_emulator_keeps_write_only_secrets_out_of_responses_and_checks_the_api_version(
    emulator: ArmEmulator,
) -> None:
    secret = "Endpoint=sb://hub/;SharedAccessKey=s3cret"
    body = _with(
        actions=[
            {
                "actionType": "EventHub",
                "eventHubResourceId": "/subscriptions/x/hub",
                "connectionString": secret,
            }
        ]
    )
    status, answer = _put_automation(emulator, body)
    assert status == 201 and "s3cret" not in json.dumps(answer)
    assert _put_automation(emulator, GOOD, "2019-01-01-preview")[0] == 200
    status, answer = _put_automation(emulator, GOOD, "2022-01-01")
    assert status == 400 and answer["error"]["code"] == "InvalidApiVersionParameter"
