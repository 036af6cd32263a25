"""`kqlrules workspace serve DIR` as a real process, queried by `LogsQueryClient`."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from azure.monitor.query import LogsQueryClient

from kqlrules.workspace import LocalCredential

T0 = datetime(2024, 5, 1, 10, tzinfo=UTC)


def write_folder(folder: Path) -> Path:
    folder.mkdir()
    lines = [
        {
            "TimeGenerated": (T0 + timedelta(minutes=i)).isoformat(),
            "UserPrincipalName": f"user{i % 2}",
            "Attempts": i,
        }
        for i in range(6)
    ]
    (folder / "SigninLogs.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    return folder


@pytest.fixture
def served(tmp_path: Path, project_root: Path) -> Iterator[str]:
    command = [sys.executable, "-m", "kqlrules", "workspace", "serve", str(write_folder(tmp_path / "ws"))]
    process = subprocess.Popen(
        command, cwd=project_root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if "serving" not in line:
        process.kill()
        pytest.fail(f"the server did not start: {line}{process.stderr.read() if process.stderr else ''}")
    yield line.split(" at ")[1].split()[0]
    process.terminate()
    process.wait(10)


def test_the_served_folder_answers_logs_query_client_within_the_timespan(served: str) -> None:
    client = LogsQueryClient(LocalCredential.for_endpoint(served), endpoint=served)
    window = (T0 + timedelta(minutes=1), T0 + timedelta(minutes=4))
    result = client.query_workspace(
        "any", "SigninLogs | summarize n = count()", timespan=window, enforce_https=False
    )
    assert result.tables[0].rows[0]["n"] == 3


def test_serving_a_missing_folder_is_a_clear_error(tmp_path: Path, project_root: Path) -> None:
    command = [sys.executable, "-m", "kqlrules", "workspace", "serve", str(tmp_path / "nothing")]
    result = subprocess.run(command, cwd=project_root, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "not a workspace folder" in result.stderr and "Traceback" not in result.stderr


def test_a_bad_faults_file_is_reported_at_its_line(tmp_path: Path, project_root: Path) -> None:
    faults = tmp_path / "faults.json"
    faults.write_text('{"throttle": 0.1,\n "typo": 1}')
    command = [sys.executable, "-m", "kqlrules", "workspace", "serve", str(tmp_path), "--faults", str(faults)]
    result = subprocess.run(command, cwd=project_root, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "unknown fault setting(s) typo" in result.stderr
