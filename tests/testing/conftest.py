"""A small detection repository on disk, built per test: the real loader, analyzer and engine run on it."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from kqlrules.kusto import SchemaSet

SIGNIN_SCHEMA = """\
table: SigninLogs
columns:
  TimeGenerated: datetime
  UserPrincipalName: string
  IPAddress: string
  ResultType: string
  RiskLevelDuringSignIn: string
  LocationDetails: dynamic
  Attempts: long
  IsInteractive: bool
"""
AUDIT_SCHEMA = """\
table: AuditLogs
columns:
  TimeGenerated: datetime
  OperationName: string
  Result: string
  TargetResources: dynamic
"""

RISKY_YAML = """\
id: 0b0e8f0e-1c1e-4c1e-9c1e-0b0e8f0e1c1e
name: Risky sign-in
description: A risky sign-in succeeded.
severity: High
schedule: {frequency: 1h, period: 1h}
trigger: {operator: gt, threshold: 0}
tables: [SigninLogs]
params:
  levels: [high]
"""
RISKY_KQL = """\
SigninLogs
| where TimeGenerated > ago({{ lookback | kql_timespan }})
| where ResultType == "0"
| where RiskLevelDuringSignIn in~ ({{ levels | kql_list }})
| summarize SignIns = count() by UserPrincipalName, IPAddress
"""


class Repo:
    """Writes files under a temporary repository root."""

    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "queries").mkdir(parents=True, exist_ok=True)
        (root / "schemas").mkdir(exist_ok=True)
        (root / "schemas" / "SigninLogs.yaml").write_text(SIGNIN_SCHEMA)
        (root / "schemas" / "AuditLogs.yaml").write_text(AUDIT_SCHEMA)

    def write(self, relative: str, text: str) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
        return path

    def detection(
        self, name: str = "risky", area: str = "identity", yaml: str = RISKY_YAML, kql: str = RISKY_KQL
    ) -> None:
        self.write(f"queries/{area}/{name}.yaml", yaml)
        self.write(f"queries/{area}/{name}.kql", kql)

    def tests(self, text: str, name: str = "risky", area: str = "identity") -> Path:
        return self.write(f"queries/{area}/{name}.tests.yaml", text)

    @property
    def schemas(self) -> SchemaSet:
        return SchemaSet.load(self.root / "schemas")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    monkeypatch.chdir(tmp_path)
    return Repo(tmp_path)
