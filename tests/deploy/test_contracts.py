"""Every contract rule, broken once: `kqlrules validate` refuses the detection at its file:line:col with a
hint, and the same rule body sent straight to the ARM emulator (no pre-deploy check) is refused too.

Each case says how to break the detection's YAML, what validate must say, and how the body the deploy
would send breaks the same rule (for rules the model itself refuses, a valid body is broken the same way).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from kqlrules.cli.main import app
from kqlrules.deploy.api_versions import api_version
from kqlrules.deploy.deployable import Deployable
from kqlrules.deploy.emulator import ArmEmulator
from kqlrules.deploy.environment import Environment
from kqlrules.deploy.ownership import Ownership
from kqlrules.deploy.targets import TARGETS
from kqlrules.rules.model import Detection

from .conftest import ACTION_GROUP, SUBSCRIPTION, Portal, make_environment

QUERY = "SigninLogs\n| summarize Failures = count() by UserPrincipalName, IPAddress, AppDisplayName\n"
BASE: dict[str, Any] = {
    "id": "7b5e0c1a-3f7d-4f2e-9a51-0c0ffee00001",
    "name": "Contract probe",
    "description": "Many failed sign-ins.",
    "severity": "Medium",
    "schedule": {"frequency": "1h", "period": "1h"},
    "tactics": ["CredentialAccess"],
    "techniques": ["T1110"],
    "entities": {"Account": {"FullName": "UserPrincipalName"}, "IP": {"Address": "IPAddress"}},
    "custom_details": {"Failures": "Failures"},
    "alert": {"title": "Failures for {{UserPrincipalName}}", "description": "From {{IPAddress}}"},
}
Body = dict[str, Any]
Mutation = Callable[[Body], None]


def props(change: dict[str, Any]) -> Mutation:
    def mutate(body: Body) -> None:
        body["properties"].update(change)

    return mutate


def override(change: dict[str, Any]) -> Mutation:
    def mutate(body: Body) -> None:
        body["properties"]["alertDetailsOverride"].update(change)

    return mutate


def grouping(change: dict[str, Any]) -> Mutation:
    def mutate(body: Body) -> None:
        body["properties"]["incidentConfiguration"]["groupingConfiguration"].update(change)

    return mutate


def entity(entity_type: str, *fields: tuple[str, str]) -> Mutation:
    def mutate(body: Body) -> None:
        mapping = [{"identifier": i, "columnName": c} for i, c in fields]
        body["properties"]["entityMappings"] = [{"entityType": entity_type, "fieldMappings": mapping}]

    return mutate


FIVE = "{{UserPrincipalName}} {{IPAddress}} {{AppDisplayName}} {{Failures}}"
MANY_ENTITIES = {"entities": [{"type": "IP", "fields": {"Address": "IPAddress"}}] * 11}

# (case id, target, YAML changes, what validate says, body mutation for the emulator)
SENTINEL_CASES: list[tuple[str, dict[str, Any], str, Mutation]] = [
    ("title-placeholders", {"alert": {"title": FIVE}}, "4 {{column}} placeholders",
     override({"alertDisplayNameFormat": FIVE})),
    ("description-placeholders", {"alert": {"description": FIVE}}, "4 {{column}} placeholders",
     override({"alertDescriptionFormat": FIVE})),
    ("title-length", {"alert": {"title": "x" * 257}}, "alert.title is 257 characters",
     override({"alertDisplayNameFormat": "x" * 257})),
    ("description-with-marker", {"description": "d" * 4990}, "with the ownership marker",
     props({"description": "d" * 5001})),
    ("custom-details-count", {"custom_details": {f"D{n}": "Failures" for n in range(21)}},
     "21 custom details", props({"customDetails": {f"D{n}": "Failures" for n in range(21)}})),
    ("custom-details-key", {"custom_details": {"Failures_in_the_last_hour": "Failures"}},
     "must start with a letter", props({"customDetails": {"Failures_in_the_last_hour": "Failures"}})),
    ("custom-details-output-column", {"custom_details": {"Country": "Location"}},
     "not a column of the query's output", props({"customDetails": {"Country": "Location"}})),
    ("placeholder-output-column", {"alert": {"title": "On {{Computer}}"}},
     "not a column of the query's output", override({"alertDisplayNameFormat": "On {{Computer}}"})),
    ("entity-count", MANY_ENTITIES, "at most 10",
     props({"entityMappings": [{"entityType": "IP", "fieldMappings": [
         {"identifier": "Address", "columnName": "IPAddress"}]}] * 11})),
    ("entity-unknown-identifier", {"entities": {"Account": {"Email": "UserPrincipalName"}}},
     "Account has no identifier 'Email'", entity("Account", ("Email", "UserPrincipalName"))),
    ("filehash-needs-algorithm-and-value", {"entities": {"FileHash": {"Value": "IPAddress"}}},
     "FileHash must map Algorithm+Value", entity("FileHash", ("Value", "IPAddress"))),
    ("account-needs-a-strong-identifier", {"entities": {"Account": {"UPNSuffix": "UserPrincipalName"}}},
     "Account must map FullName or Sid", entity("Account", ("UPNSuffix", "UserPrincipalName"))),
    ("entity-output-column", {"entities": {"Host": {"HostName": "Computer"}}},
     "not a column of the query's output", entity("Host", ("HostName", "Computer"))),
    ("grouping-unmapped-entity",
     {"sentinel": {"incident": {"grouping": {"enabled": True, "matching_method": "Selected",
                                             "group_by_entities": ["Host"]}}}},
     "which the rule does not map", grouping({"enabled": True, "matchingMethod": "Selected",
                                              "groupByEntities": ["Host"]})),
    ("grouping-undefined-custom-detail",
     {"sentinel": {"incident": {"grouping": {"enabled": True, "matching_method": "Selected",
                                             "group_by_custom_details": ["Country"]}}}},
     "which the rule does not define", grouping({"enabled": True, "matchingMethod": "Selected",
                                                 "groupByCustomDetails": ["Country"]})),
    ("grouping-selected-needs-a-key",
     {"sentinel": {"incident": {"grouping": {"enabled": True, "matching_method": "Selected"}}}},
     "matching_method Selected needs", grouping({"enabled": True, "matchingMethod": "Selected"})),
    ("grouping-lookback", {"sentinel": {"incident": {"grouping": {"lookback": "8d"}}}},
     "between 5m and 7d", grouping({"lookbackDuration": "P8D"})),
    ("technique-format", {"techniques": ["T11"]}, "ATT&CK id", props({"techniques": ["T11"]})),
    ("scheduled-frequency", {"schedule": {"frequency": "1m", "period": "1h"}}, "between 5m and 14d",
     props({"queryFrequency": "PT1M"})),
    ("suppression", {"suppress_for": "2d"}, "between 5m and 24h", props({"suppressionDuration": "P2D"})),
    ("query-length", {"__query__": "SigninLogs\n" + "| where true\n" * 800}, "the limit is 10,000",
     props({"query": "SigninLogs\n" + "| where true\n" * 800})),
    ("template-version-format",
     {"sentinel": {"template": {"name": "0b9ae89d-8cad-461c-808f-0494f70ad5c4", "version": "1.0"}}},
     "should be in format X.Y.Z", props({"alertRuleTemplateName": "0b9ae89d-8cad-461c-808f-0494f70ad5c4",
                                          "templateVersion": "1.0"})),
    ("dynamic-property-name", {"alert": {"dynamic_properties": {"Vendor": "AppDisplayName"}}},
     "is not one of Sentinel's", override({"alertDynamicProperties": [
         {"alertProperty": "Vendor", "value": "AppDisplayName"}]})),
    ("dynamic-property-column", {"alert": {"dynamic_properties": {"ProductName": "Product Name"}}},
     "is no column", override({"alertDynamicProperties": [
         {"alertProperty": "ProductName", "value": "Product Name"}]})),
    ("dynamic-property-output-column", {"alert": {"dynamic_properties": {"ProductName": "Product"}}},
     "not a column of the query's output",
     override({"alertDynamicProperties": [{"alertProperty": "ProductName"}]})),
    ("nrt-single-workspace",
     {"sentinel": {"kind": "NRT"}, "__query__": "workspace('other').SigninLogs\n| project UserPrincipalName, "
      "IPAddress, AppDisplayName, Failures = 1\n"},
     "own workspace only", props({"query": "workspace('other').SigninLogs | take 1"})),
]  # fmt: skip

UNION_QUERY = QUERY.replace("SigninLogs", "union SigninLogs, AADNonInteractiveUserSignInLogs")


def ONE_MINUTE_UNION(body: Body) -> None:
    body["properties"].update({"evaluationFrequency": "PT1M", "windowSize": "PT5M"})
    body["properties"]["criteria"]["allOf"][0].update({"query": "union SigninLogs, AuditLogs | take 5"})


MONITOR_CASES: list[tuple[str, dict[str, Any], str, Mutation]] = [
    ("frequency", {"schedule": {"frequency": "20m", "period": "1h"}}, "frequency 20m is not one of",
     props({"evaluationFrequency": "PT20M"})),
    ("window", {"schedule": {"frequency": "1h", "period": "3d"}}, "exceeds Monitor's window",
     props({"windowSize": "P3D"})),
    ("one-minute-query", {"schedule": {"frequency": "1m", "period": "5m"}, "__query__": UNION_QUERY},
     "cannot use union", ONE_MINUTE_UNION),
    ("query-does-not-parse", {"__query__": "SigninLogs\n| where\n"}, "does not parse",
     lambda b: b["properties"]["criteria"]["allOf"][0].update({"query": "SigninLogs\n| where\n"})),
    ("trigger-operator", {"trigger": {"operator": "ne", "threshold": 0}}, "no Azure Monitor equivalent",
     lambda b: b["properties"]["criteria"]["allOf"][0].update({"operator": "NotEqual"})),
]  # fmt: skip


def write_repo(root: Path, changes: dict[str, Any], environment: str = "") -> Path:
    fields = {**BASE, **{k: v for k, v in changes.items() if not k.startswith("__")}}
    folder = root / "queries" / "identity"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "probe.yaml").write_text(yaml.safe_dump(fields, sort_keys=False))
    (folder / "probe.kql").write_text(changes.get("__query__", QUERY))
    (root / "kqlrules.toml").write_text(environment or ENVIRONMENT.format(location="westeurope", ws="sec-ws"))
    return root


ENVIRONMENT = f"""[environments.prod]
subscription = "{SUBSCRIPTION}"
resource_group = "sec-rg"
workspace = "{{ws}}"
location = "{{location}}"
targets = ["sentinel", "monitor"]
repository = "acme/detections"
"""


def validate(root: Path) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["--repo", str(root), "validate"])
    return result.exit_code, result.stdout + result.stderr


def body_for(target: str, environment: Environment, **changes: Any) -> Body:
    fields = {**BASE, **{k: v for k, v in changes.items() if not k.startswith("__")}}
    item = Deployable(Detection(**fields), changes.get("__query__", QUERY))
    return TARGETS[target].body(item, environment, Ownership(item.id, environment.repository))


def refused_by_the_emulator(emulator: ArmEmulator, target: str, mutate: Mutation, **changes: Any) -> Any:
    environment = make_environment(emulator.url)
    portal = Portal(emulator, environment)
    body = body_for(target, environment, **changes)
    status, _ = portal.call("PUT", target, "baseline", body, version=api_version(target, body))
    assert status in (200, 201), "the unbroken body must be accepted"
    mutate(body)
    status, answer = portal.call("PUT", target, "broken", body, version=api_version(target, body))
    assert status == 400, answer
    return answer


@pytest.fixture(scope="module")
def arm() -> Any:
    with ArmEmulator(action_groups=[ACTION_GROUP]) as emulator:
        yield emulator


@pytest.mark.parametrize(
    ("case", "changes", "message", "mutate"), SENTINEL_CASES, ids=[c[0] for c in SENTINEL_CASES]
)
def test_sentinel_rule_refused_by_validate_and_by_the_emulator(
    tmp_path: Path, arm: ArmEmulator, case: str, changes: dict[str, Any], message: str, mutate: Mutation
) -> None:
    code, out = validate(write_repo(tmp_path, changes))
    assert code == 1, out
    assert message in out, out
    assert re.search(r"queries/identity/probe\.(yaml|kql)(:\d+:\d+)?: ", out), out
    try:
        nrt = {"sentinel": {"kind": "NRT"}} if "NRT" in str(changes) else {}
        refused_by_the_emulator(arm, "sentinel", mutate, **nrt)
    finally:
        arm.state.resources.clear()


@pytest.mark.parametrize(
    ("case", "changes", "message", "mutate"), MONITOR_CASES, ids=[c[0] for c in MONITOR_CASES]
)
def test_monitor_rule_refused_by_validate_and_by_the_emulator(
    tmp_path: Path, arm: ArmEmulator, case: str, changes: dict[str, Any], message: str, mutate: Mutation
) -> None:
    code, out = validate(write_repo(tmp_path, changes))
    assert code == 1, out
    assert "monitor: " in out and message in out, out
    assert re.search(r"queries/identity/probe\.(yaml|kql)(:\d+:\d+)?: ", out), out
    try:
        refused_by_the_emulator(arm, "monitor", mutate)
    finally:
        arm.state.resources.clear()


def test_the_unbroken_probe_validates(tmp_path: Path) -> None:
    code, out = validate(write_repo(tmp_path, {}))
    assert code == 0, out


@pytest.mark.parametrize(
    ("environment", "message", "mutate"),
    [
        (ENVIRONMENT.format(location="moon", ws="sec-ws"), "not an Azure region",
         lambda b: b.update({"location": "moon"})),
        (ENVIRONMENT.format(location="westeurope", ws="rg/sec-ws"), "not a Log Analytics workspace id",
         props({"scopes": ["sec-ws"]})),
    ],
)  # fmt: skip
def test_monitor_environment_refused_by_validate_and_by_the_emulator(
    tmp_path: Path, arm: ArmEmulator, environment: str, message: str, mutate: Mutation
) -> None:
    code, out = validate(write_repo(tmp_path, {}, environment))
    assert code == 1 and message in out and "kqlrules.toml" in out, out
    try:
        refused_by_the_emulator(arm, "monitor", mutate)
    finally:
        arm.state.resources.clear()


def test_the_emulator_refuses_an_action_group_that_does_not_exist(arm: ArmEmulator) -> None:
    missing = ACTION_GROUP.replace("oncall", "nobody")
    answer = refused_by_the_emulator(arm, "monitor", props({"actions": {"actionGroups": [missing]}}))
    assert "does not exist" in answer["error"]["message"]
    arm.state.resources.clear()


def test_the_emulator_refuses_a_sub_technique_without_its_technique(arm: ArmEmulator) -> None:
    def mutate(body: Body) -> None:
        body["properties"].update({"techniques": ["T1078"], "subTechniques": ["T1110.001"]})

    answer = refused_by_the_emulator(arm, "sentinel", mutate, techniques=["T1110.001"])
    assert "needs its technique T1110" in answer["error"]["message"]
    arm.state.resources.clear()


def test_the_emulator_refuses_an_unknown_incident_creation_product(arm: ArmEmulator) -> None:
    environment = make_environment(arm.url)
    portal = Portal(arm, environment)
    body = {"kind": "MicrosoftSecurityIncidentCreation",
            "properties": {"displayName": "x", "enabled": True, "productFilter": "Contoso EDR"}}  # fmt: skip
    status, answer = portal.call("PUT", "sentinel", "incidents", body)
    assert status == 400 and "productFilter" in answer["error"]["message"]


def test_the_emulator_takes_the_identifiers_it_used_to_refuse(arm: ArmEmulator) -> None:
    """Process.CreationTimeUtc, ElevationToken, CountByThreatType and BodyFingerprintBin1..5 are taken."""
    environment = make_environment(arm.url)
    portal = Portal(arm, environment)
    query = (
        "print CommandLine='x', ElevationToken='Full', CreationTimeUtc=now(), Query='q',"
        " CountByThreatType='{}', NetworkMessageId='id', Bin1='1', Bin5='5'"
    )
    mappings = [
        ("Process", [("CommandLine", "CommandLine"), ("ElevationToken", "ElevationToken"),
                     ("CreationTimeUtc", "CreationTimeUtc")]),
        ("MailCluster", [("Query", "Query"), ("CountByThreatType", "CountByThreatType")]),
        ("MailMessage", [("NetworkMessageId", "NetworkMessageId"), ("BodyFingerprintBin1", "Bin1"),
                         ("BodyFingerprintBin5", "Bin5")]),
    ]  # fmt: skip
    body = body_for("sentinel", environment, entities=[], __query__=query)
    body["properties"]["entityMappings"] = [
        {"entityType": t, "fieldMappings": [{"identifier": i, "columnName": c} for i, c in f]}
        for t, f in mappings
    ]
    body["properties"].pop("customDetails")
    body["properties"]["alertDetailsOverride"] = {}
    status, answer = portal.call("PUT", "sentinel", "identifiers", body)
    assert status in (200, 201), answer
    arm.state.resources.clear()


def test_ten_entities_deploy_and_export_without_a_warning() -> None:
    """Azure-Sentinel's CI takes 10 entity mappings, as the service does (QueryBasedTemplateInternalModel)."""
    from kqlrules.deploy import preflight

    environment = make_environment("https://management.azure.com", targets=["sentinel"])
    ten = [{"type": "IP", "fields": {"Address": "IPAddress"}}] * 9 + [
        {"type": "Account", "fields": {"FullName": "UserPrincipalName"}}
    ]
    item = Deployable(Detection(**{**BASE, "entities": ten}), QUERY)
    assert preflight([item], environment) == []
    assert preflight([item], environment, export=True) == []


def test_a_technique_without_one_of_its_tactics_warns_on_export_only() -> None:
    from kqlrules.deploy import preflight

    environment = make_environment("https://management.azure.com", targets=["sentinel"])
    item = Deployable(Detection(**{**BASE, "techniques": ["T1110", "T1078.004"]}), QUERY)
    assert preflight([item], environment) == []
    [warning] = preflight([item], environment, export=True)
    assert "no valid tactic corresponding to the technique T1078.004" in warning
    matched = Deployable(Detection(**{**BASE, "tactics": ["CredentialAccess", "Persistence"],
                                      "techniques": ["T1110", "T1078.004"]}), QUERY)  # fmt: skip
    assert preflight([matched], environment, export=True) == []
