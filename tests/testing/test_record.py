"""`record`: rows of the tables a detection reads, from a workspace, redacted, as a fixture that runs."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from kqlrules.engine import LocalEngine
from kqlrules.rules import find_detection, load_repository
from kqlrules.table import Column, Table
from kqlrules.testing.cases import load_test_file
from kqlrules.testing.local_backend import LocalBackend
from kqlrules.testing.record import record
from kqlrules.testing.redaction import Redactor
from kqlrules.testing.runner import TestSession
from tests.testing.conftest import Repo

NOW = datetime(2024, 5, 1, 12, tzinfo=UTC)


class EngineWorkspace:
    """A workspace answered by the local engine over fixed tables (what `local:DIR` does)."""

    def __init__(self, tables: dict[str, Table]) -> None:
        self.engine = LocalEngine(tables)
        self.queries: list[str] = []

    def query(self, kql: str, timespan: Any) -> Table:
        self.queries.append(kql)
        return self.engine.query(kql, now=NOW)


def signins() -> Table:
    columns = [
        Column(n, t)
        for n, t in [
            ("TimeGenerated", "datetime"),
            ("UserPrincipalName", "string"),
            ("IPAddress", "string"),
            ("ResultType", "string"),
            ("RiskLevelDuringSignIn", "string"),
        ]
    ]
    rows = [
        [NOW - timedelta(minutes=10), "adele@contoso.com", "203.0.113.7", "0", "high"],
        [NOW - timedelta(days=9), "old@contoso.com", "203.0.113.8", "0", "high"],
    ]
    return Table(columns, rows)


def test_recorded_rows_are_redacted_and_run_as_a_case(repo: Repo) -> None:
    repo.detection()
    detection = find_detection(load_repository(repo.root), "risky")
    workspace = EngineWorkspace({"SigninLogs": signins()})
    recording = record(
        detection, workspace, repo.schemas, since=timedelta(days=7), redactor=Redactor("salt"), now=NOW
    )
    path = recording.files["SigninLogs"]
    assert path == repo.root / "queries/identity/fixtures/risky.SigninLogs.jsonl"
    [row] = [json.loads(line) for line in path.read_text().splitlines()]
    assert row["TimeGenerated"] == "2024-05-01T11:50:00Z"
    assert "contoso" not in row["UserPrincipalName"] and row["IPAddress"] != "203.0.113.7"
    # Recorded as of NOW (a fixed instant): bounded by the instant seven days before it, not by ago().
    assert f"datetime({NOW - timedelta(days=7):%Y-%m-%dT%H:%M:%SZ})" in workspace.queries[0]

    repo.tests(recording.case_stub().replace("{alerts: 0}", "{alerts: 1}"))
    [case] = load_test_file(repo.root / "queries/identity/risky.tests.yaml").cases
    result = TestSession(repo.schemas, LocalBackend(repo.schemas)).run_case(detection, case)
    assert result.status == "passed", result.message()
