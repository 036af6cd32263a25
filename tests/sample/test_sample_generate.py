"""`generate()`: a seeded week, byte for byte the same for the same arguments."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from kqlrules.sample import DEFAULT_START, GeneratedTenant, SampleError, generate

ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
TABLES = {
    "SigninLogs",
    "AADNonInteractiveUserSignInLogs",
    "AADServicePrincipalSignInLogs",
    "AADManagedIdentitySignInLogs",
    "AuditLogs",
    "AzureActivity",
    "AzureDiagnostics",
    "IntuneAuditLogs",
    "IntuneDevices",
    "AADUserRiskEvents",
    "AADRiskyUsers",
    "AADRiskyAgents",
    "SecurityAlert",
}


def _bytes(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_the_same_seed_writes_the_same_bytes(tmp_path: Path) -> None:
    generate(tmp_path / "a", seed=11)
    generate(tmp_path / "b", seed=11)
    assert _bytes(tmp_path / "a") == _bytes(tmp_path / "b")


def test_another_seed_writes_another_week(tmp_path: Path) -> None:
    generate(tmp_path / "a", seed=11)
    generate(tmp_path / "b", seed=12)
    assert _bytes(tmp_path / "a")["SigninLogs.jsonl"] != _bytes(tmp_path / "b")["SigninLogs.jsonl"]


def test_one_jsonl_file_per_table(week: GeneratedTenant) -> None:
    # Beside the tables, the stories the week holds (for `kqlrules backtest` to score against).
    files = sorted(path.name for path in week.folder.iterdir() if path.is_file())
    assert files == sorted(f"{t}.jsonl" for t in TABLES)
    assert (week.folder / "_sample" / "stories.json").is_file()
    assert all(count > 0 for count in week.row_counts.values())


def test_the_default_week_starts_on_a_fixed_monday(week: GeneratedTenant) -> None:
    assert week.start == DEFAULT_START
    assert week.start.weekday() == 0
    assert week.end - week.start == timedelta(days=7)


def test_every_row_falls_inside_the_week(
    week: GeneratedTenant, rows: dict[str, list[dict[str, Any]]]
) -> None:
    for table_rows in rows.values():
        for row in table_rows:
            moment = datetime.fromisoformat(row["TimeGenerated"].replace("Z", "+00:00"))
            assert week.start <= moment < week.end + timedelta(minutes=10)


def test_rows_are_in_time_order(rows: dict[str, list[dict[str, Any]]]) -> None:
    for table_rows in rows.values():
        times = [row["TimeGenerated"] for row in table_rows]
        assert times == sorted(times)


def test_datetimes_are_iso_8601_utc_with_z(rows: dict[str, list[dict[str, Any]]]) -> None:
    for column in ("TimeGenerated", "CreatedDateTime"):
        assert all(ISO_UTC.match(row[column]) for row in rows["SigninLogs"])
    assert all(ISO_UTC.match(row["EventSubmissionTimestamp"]) for row in rows["AzureActivity"])


def test_dynamic_columns_are_json_values_and_string_columns_hold_json_text(
    rows: dict[str, list[dict[str, Any]]],
) -> None:
    interactive, background = rows["SigninLogs"][0], rows["AADNonInteractiveUserSignInLogs"][0]
    assert isinstance(interactive["LocationDetails"], dict)
    assert isinstance(interactive["ConditionalAccessPolicies"], list)
    # The non-interactive table stores the same details as text, as the real table does.
    assert isinstance(background["LocationDetails"], str)
    assert background["LocationDetails"].startswith("{")
    # RiskEventTypes_V2 and AuthenticationDetails are string columns holding a JSON array.
    assert interactive["RiskEventTypes_V2"].startswith("[")
    assert interactive["AuthenticationDetails"].startswith("[")


def test_start_moves_the_whole_week(tmp_path: Path) -> None:
    start = datetime(2025, 3, 10, tzinfo=UTC)
    moved = generate(tmp_path, start=start, days=5)
    first = json.loads(moved.files["SigninLogs"].read_text().splitlines()[0])["TimeGenerated"]
    assert first.startswith("2025-03-10")
    assert all(start <= story.start < start + timedelta(days=5) for story in moved.stories)


def test_a_week_too_short_for_a_baseline_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SampleError, match="at least 4"):
        generate(tmp_path, days=3)


def test_bytes_do_not_depend_on_the_interpreter_hash_seed(tmp_path: Path, project_root: Path) -> None:
    script = "import sys, pathlib; from kqlrules.sample import generate; generate(pathlib.Path(sys.argv[1]))"
    for name, hash_seed in (("a", "1"), ("b", "2")):
        subprocess.run(
            [sys.executable, "-c", script, str(tmp_path / name)],
            cwd=project_root,
            env={**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": str(project_root)},
            check=True,
        )
    assert _bytes(tmp_path / "a") == _bytes(tmp_path / "b")


def test_intune_names_a_laptop_by_its_own_id_and_the_entra_device_id_the_sign_ins_carry(
    rows: dict[str, list[dict[str, Any]]],
) -> None:
    # IntuneDevices (Log Analytics table reference): DeviceId is Intune's managed-device id, ReferenceId the
    # Entra ID device id, the one a sign-in's DeviceDetail.deviceId holds. Detections join on the latter.
    signin_device_ids = {
        str(row["DeviceDetail"].get("deviceId"))
        for row in rows["SigninLogs"]
        if isinstance(row.get("DeviceDetail"), dict) and row["DeviceDetail"].get("deviceId")
    }
    snapshot = rows["IntuneDevices"]
    assert snapshot
    assert all(row["DeviceId"] != row["ReferenceId"] for row in snapshot)
    assert {row["ReferenceId"] for row in snapshot} <= signin_device_ids
    assert not {row["DeviceId"] for row in snapshot} & signin_device_ids
    wiped = [
        json.loads(row["Properties"])
        for row in rows["IntuneAuditLogs"]
        if "ManagedDevice" in row["OperationName"]
    ]
    intune_ids = {row["DeviceId"] for row in snapshot}
    assert any(set(event["TargetObjectIds"]) & intune_ids for event in wiped)
