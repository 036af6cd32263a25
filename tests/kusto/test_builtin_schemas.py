"""The schemas kqlrules ships: every table of Sentinel CI's set and of the table-reference restatements,
each with the standard columns, rebuilt exactly by `kqlrules schema import --builtin`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kqlrules.kusto import SchemaSet
from kqlrules.kusto.builtin_schemas import build_builtin
from kqlrules.kusto.schemas import BUILTIN_DIR
from kqlrules.kusto.standard_columns import STANDARD_COLUMNS

REFERENCE = Path(__file__).resolve().parents[2] / "data" / "table-reference"


def columns(table: str) -> dict[str, str]:
    return {c.name: c.type for c in SchemaSet.builtin().tables[table].columns}


def test_every_bundled_table_has_the_standard_columns() -> None:
    tables = SchemaSet.builtin().tables
    assert len(tables) > 240
    for table in tables.values():
        names = {c.name for c in table.columns}
        missing = {c.name for c in STANDARD_COLUMNS} - names
        assert not missing, f"{table.name} lacks {missing}"


def test_signin_logs_has_every_column_of_its_table_reference() -> None:
    reference = json.loads((REFERENCE / "SigninLogs.json").read_text())["columns"]
    signin = columns("SigninLogs")
    assert {name: signin.get(name) for name in reference} == reference
    assert signin["HomeTenantId"] == signin["ResourceTenantId"] == "string"


@pytest.mark.parametrize(
    ("table", "column", "kind"),
    [
        ("IntuneDevices", "CompliantState", "string"),
        ("IntuneAuditLogs", "Properties", "string"),
        ("IntuneDeviceComplianceOrg", "ComplianceState", "string"),
        ("IntuneOperationalLogs", "Result", "string"),
        ("AADUserRiskEvents", "RiskEventType", "string"),
        ("AADRiskyUsers", "RiskState", "string"),
        ("AADRiskyAgents", "IdentityType", "string"),
        ("SigninLogs", "Agent", "string"),
        ("AADNonInteractiveUserSignInLogs", "Agent", "string"),
        ("AADManagedIdentitySignInLogs", "FederatedCredentialId", "string"),
        ("AADProvisioningLogs", "ProvisioningAction", "string"),
        ("MicrosoftGraphActivityLogs", "ResponseStatusCode", "int"),
        ("ADFSSignInLogs", "Requirement", "string"),
        ("SecurityIncident", "IncidentNumber", "int"),
        ("SecurityAlert", "SubTechniques", "string"),
        ("AuditLogs", "ResultReason", "string"),
        ("AzureDevOpsAuditing", "ActorUserId", "string"),  # the reference, not Sentinel CI's guid
        ("CarbonBlackNotifications_CL", "threatHunterInfo_time_d", "real"),  # *_d is a Double
        ("ProofpointPOD", "NetworkBytes", "real"),  # listed twice by Sentinel CI: the first type stays
    ],
)
def test_the_tables_sentinel_teams_query_are_bundled(table: str, column: str, kind: str) -> None:
    assert columns(table)[column] == kind


def test_a_table_says_where_its_columns_come_from() -> None:
    signin = SchemaSet.builtin().tables["SigninLogs"]
    assert "table reference" in signin.provenance() and "Sentinel CI" in signin.provenance()


def test_the_builtin_set_is_rebuilt_exactly_from_its_sources(shared_dir: Path, tmp_path: Path) -> None:
    sources = [shared_dir / "schemas" / "tables", shared_dir / "schemas" / "functions", REFERENCE]
    build_builtin(sources, tmp_path)
    built = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*.json"))
    shipped = sorted(p.relative_to(BUILTIN_DIR) for p in BUILTIN_DIR.rglob("*.json"))
    assert built == shipped
    for relative in built:
        assert (tmp_path / relative).read_text() == (BUILTIN_DIR / relative).read_text(), relative


def test_the_builtin_set_is_read_once_and_copied() -> None:
    first = SchemaSet.builtin()
    first.add_table("Mine_CL", [("A", "string")])
    assert "Mine_CL" not in SchemaSet.builtin().tables


@pytest.mark.parametrize(
    ("function", "column", "kind"),
    [("GitHubAuditData", "Actor", "string"), ("ZNAccessOrchestratorAudit", "AuditTypeId", "real")],
)
def test_the_parsers_microsoft_rules_call_are_bundled_with_their_source(
    function: str, column: str, kind: str
) -> None:
    schema = SchemaSet.builtin().functions[function]
    assert {c.name: c.type for c in schema.columns}[column] == kind
    assert "Parsers/" in schema.origin
