"""The Azure-Sentinel repository CI rules (kqlrules.workflow.sentinel_ci): each one refuses what it should,
connector ids are derived from tables, and the pack's export passes them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kqlrules.cli.main import app
from kqlrules.rules.sentinel_yaml import read_rule
from kqlrules.workflow.connectors import (
    SHARED_TABLES,
    TABLE_CONNECTORS,
    connector_for,
    required_data_connectors,
    valid_connector_ids,
)
from kqlrules.workflow.sentinel_ci import ci_problems, duplicate_ids

REPO = Path(__file__).resolve().parents[2]


def _rule() -> dict[str, Any]:
    return {
        "id": "4D1C5F7E-0F6A-4C1E-9B8E-2F1D3C4B5A69",
        "name": "Good rule",
        "description": "Fires on good things.",
        "severity": "Medium",
        "requiredDataConnectors": [{"connectorId": "AzureActiveDirectory", "dataTypes": ["SigninLogs"]}],
        "queryFrequency": "1h",
        "queryPeriod": "1h",
        "triggerOperator": "gt",
        "triggerThreshold": 0,
        "tactics": ["InitialAccess"],
        "relevantTechniques": ["T1078.004"],
        "query": "SigninLogs | project UserPrincipalName, IPAddress",
        "entityMappings": [
            {
                "entityType": "Account",
                "fieldMappings": [{"identifier": "FullName", "columnName": "UserPrincipalName"}],
            }
        ],
        "version": "1.0.0",
        "kind": "Scheduled",
    }


def test_a_good_rule_passes() -> None:
    assert ci_problems(_rule()) == []


def _set(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda rule: rule.__setitem__(key, value)


def _drop(key: str) -> Callable[[dict[str, Any]], None]:
    return lambda rule: rule.pop(key)


def _entity(kind: str, *fields: tuple[str, str]) -> Callable[[dict[str, Any]], None]:
    mapping = [{"identifier": i, "columnName": c} for i, c in fields]
    return _set("entityMappings", [{"entityType": kind, "fieldMappings": mapping}])


BREAKS = {
    "requiredDataConnectors is required": _drop("requiredDataConnectors"),
    "connectorId 'CustomConnector'": _set(
        "requiredDataConnectors", [{"connectorId": "CustomConnector", "dataTypes": ["SigninLogs"]}]
    ),
    "connectorId 'azureactivedirectory'": _set(
        "requiredDataConnectors", [{"connectorId": "azureactivedirectory", "dataTypes": ["SigninLogs"]}]
    ),
    "needs dataTypes": _set("requiredDataConnectors", [{"connectorId": "AzureActivity"}]),
    "kind 'Fusion'": _set("kind", "Fusion"),
    "not a GUID": _set("id", "not-a-guid"),
    "name is longer": _set("name", "x" * 257),
    "description is longer": _set("description", "x" * 5001),
    "severity 'Critical'": _set("severity", "Critical"),
    "query is required": _set("query", "x" * 10_001),
    "queryFrequency '1h30m'": _set("queryFrequency", "1h30m"),
    "queryPeriod '15d'": _set("queryPeriod", "15d"),
    "shorter than queryFrequency": _set("queryPeriod", "30m"),
    "2d or more": lambda r: r.update(queryPeriod="2d", queryFrequency="30m"),
    "triggerOperator 'GreaterThanOrEqual'": _set("triggerOperator", "GreaterThanOrEqual"),
    "triggerThreshold": _set("triggerThreshold", 10_001),
    "tactic 'Initial Access'": _set("tactics", ["Initial Access"]),
    "technique 'T78'": _set("relevantTechniques", ["T78"]),
    "no valid tactic corresponding to the technique T1078.004": _drop("tactics"),
    "no valid tactic corresponding to the technique T1110": lambda r: r.update(
        relevantTechniques=["T1078", "T1110"], tactics=["InitialAccess"]
    ),
    "no valid tactic corresponding to the technique T1999": _set("relevantTechniques", ["T1999"]),
    "version '1.0'": _set("version", "1.0"),
    "templateVersion without": _set("templateVersion", "1.0.0"),
    "21 customDetails": _set("customDetails", {f"D{i}": "C" for i in range(21)}),
    "customDetails key '1st'": _set("customDetails", {"1st": "Column"}),
    "is not a column name": _set("customDetails", {"Key": "not a column"}),
    "11 entityMappings": _set(
        "entityMappings",
        [{"entityType": "IP", "fieldMappings": [{"identifier": "Address", "columnName": "IP"}]}] * 11,
    ),
    "entity type 'Person'": _entity("Person", ("Name", "N")),
    "FileHash lacks": _entity("FileHash", ("Value", "Hash")),
    "Account has no identifier 'Upn'": _entity("Account", ("Upn", "U")),
    "maps identifier 'Address' twice": _entity("IP", ("Address", "A"), ("Address", "B")),
    "4 fieldMappings": _entity("Account", ("Name", "A"), ("FullName", "B"), ("Sid", "C"), ("NTDomain", "D")),
    "AccountCustomEntity in the query": _set(
        "query", "SigninLogs | extend AccountCustomEntity = UserPrincipalName"
    ),
    "4 placeholders": _set("alertDetailsOverride", {"alertDisplayNameFormat": "{{A}} {{B}} {{C}} {{D}}"}),
    "alertDescriptionFormat must be": _set("alertDetailsOverride", {"alertDescriptionFormat": " "}),
    "aggregationKind": _set("eventGroupingSettings", {"aggregationKind": "Grouped"}),
}


@pytest.mark.parametrize("expected", list(BREAKS))
def test_each_ci_rule_refuses_a_rule_that_breaks_it(expected: str) -> None:
    rule = _rule()
    BREAKS[expected](rule)
    problems = ci_problems(rule)
    assert any(expected in p for p in problems), problems


def test_a_technique_needs_one_of_its_tactics_not_all_of_them() -> None:
    """T1078 is InitialAccess, Persistence, PrivilegeEscalation and DefenseEvasion: any one will do; ten
    entity mappings are the CI's limit now (QueryBasedTemplateInternalModel.cs)."""
    ten = [{"entityType": "IP", "fieldMappings": [{"identifier": "Address", "columnName": "IP"}]}] * 10
    rule = {**_rule(), "relevantTechniques": ["T1078", "T0886"]}
    rule["tactics"] = ["Persistence", "LateralMovement"]
    assert ci_problems({**rule, "entityMappings": ten}) == []


def test_enum_names_are_read_ignoring_case_as_the_ci_deserialiser_does() -> None:
    """StringEnumConverter matches names ignoring case (the corpus has `CommandandControl`); the trigger
    operator has its own converter, which does not (ScheduledTemplateTriggerOperatorConverter.cs)."""
    rule = {**_rule(), "kind": "scheduled", "severity": "medium", "tactics": ["initialaccess"]}
    rule["entityMappings"][0]["entityType"] = "account"
    rule["eventGroupingSettings"] = {"aggregationKind": "alertPerResult"}
    assert ci_problems(rule) == []
    assert any("triggerOperator 'GT'" in p for p in ci_problems({**rule, "triggerOperator": "GT"}))


def test_an_empty_connector_list_passes_and_nrt_needs_no_schedule() -> None:
    assert ci_problems({**_rule(), "requiredDataConnectors": []}) == []
    nrt = {k: v for k, v in _rule().items() if not k.startswith(("query", "trigger"))}
    assert ci_problems({**nrt, "query": "SigninLogs", "kind": "NRT"}) == []


def test_duplicate_ids_are_found_whatever_their_case() -> None:
    a, b = _rule(), {**_rule(), "id": _rule()["id"].lower()}
    assert duplicate_ids([("a.yaml", a), ("b.yaml", b)]) == [f"b.yaml: id {b['id']} is also the id of a.yaml"]


def test_every_connector_the_table_map_names_is_one_the_ci_accepts() -> None:
    named = set(TABLE_CONNECTORS.values())
    for shared in SHARED_TABLES.values():
        named |= {connector for _, connector in shared.rules}
        named |= {shared.default} if shared.default else set()
    assert named - valid_connector_ids() == set()


@pytest.mark.parametrize(
    ("table", "query", "connector"),
    [
        ("SigninLogs", "", "AzureActiveDirectory"),
        ("AuditLogs", "", "AzureActiveDirectory"),
        ("AADNonInteractiveUserSignInLogs", "", "AzureActiveDirectory"),
        ("AzureActivity", "", "AzureActivity"),
        ("AzureDiagnostics", 'AzureDiagnostics | where ResourceProvider == "MICROSOFT.KEYVAULT"',
         "AzureKeyVault"),
        ("AzureDiagnostics", 'AzureDiagnostics | where ResourceType =~ "VAULTS"', "AzureKeyVault"),
        ("AzureDiagnostics", 'AzureDiagnostics | where Category == "AzureFirewallNetworkRule"',
         "AzureFirewall"),
        ("AzureDiagnostics", "AzureDiagnostics | take 1", None),
        ("SecurityAlert", 'SecurityAlert | where ProductName == "Azure Active Directory Identity Protection"',
         "AzureActiveDirectoryIdentityProtection"),
        ("Contoso_CL", "", None),
    ],
)  # fmt: skip
def test_connector_of_a_table(table: str, query: str, connector: str | None) -> None:
    assert connector_for(table, query) == connector


def test_required_data_connectors_group_tables_and_leave_unknown_ones_out() -> None:
    entries, unknown = required_data_connectors(["SigninLogs", "AuditLogs", "AzureActivity", "Custom_CL"], "")
    assert entries == [
        {"connectorId": "AzureActiveDirectory", "dataTypes": ["SigninLogs", "AuditLogs"]},
        {"connectorId": "AzureActivity", "dataTypes": ["AzureActivity"]},
    ]
    assert unknown == ["Custom_CL"]


def test_the_pack_exports_rules_the_sentinel_ci_accepts(tmp_path: Path) -> None:
    out = tmp_path / "sentinel"
    result = CliRunner().invoke(app, ["--repo", str(REPO), "export", "sentinel", "--out", str(out)])
    assert result.exit_code == 0, result.output
    rules = {str(path): read_rule(path) for path in sorted(out.rglob("*.yaml"))}
    assert len(rules) >= 27
    problems = {path: ci_problems(rule) for path, rule in rules.items() if ci_problems(rule)}
    assert problems == {}
    assert duplicate_ids(rules.items()) == []
    for rule in rules.values():
        ids = [c["connectorId"] for c in rule["requiredDataConnectors"]]
        assert "CustomConnector" not in ids
    key_vault = next(r for p, r in rules.items() if p.endswith("key_vault_secret_mass_access.yaml"))
    assert key_vault["requiredDataConnectors"] == [
        {"connectorId": "AzureKeyVault", "dataTypes": ["AzureDiagnostics"]}
    ]
