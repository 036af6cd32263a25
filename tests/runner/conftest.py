"""Detections, data and the expected alerts for runner tests, computed independently of the runner."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from kqlrules.rules.model import Detection
from kqlrules.runner import RunnerState, ScheduledDetection
from kqlrules.table import Column, Table
from kqlrules.workspace import LocalWorkspace
from tests.runner.postgres_server import SKIP_REASON, PostgresServer, binaries

DAY = datetime(2024, 5, 1, tzinfo=UTC)
FAILED_SIGNINS = 'SigninLogs | where ResultType == "50126"'


def detection(name: str, query: str = FAILED_SIGNINS, **fields: Any) -> ScheduledDetection:
    meta = Detection.model_validate(
        {
            "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"kqlrules-test/{name}")),
            "name": name,
            "severity": "Medium",
            "schedule": {"frequency": "5m", "period": "5m"},
            "entities": {"Account": "UserPrincipalName"},
            "custom_details": {"Result": "ResultType"},
            **fields,
        }
    )
    return ScheduledDetection(meta, lambda window: query)


def signins(start: datetime = DAY, hours: int = 24, every: timedelta = timedelta(minutes=7)) -> Table:
    """A sign-in every 7 minutes from `start`, cycling three users; every third one failed (50126)."""
    columns = [
        Column("TimeGenerated", "datetime"),
        Column("UserPrincipalName", "string"),
        Column("ResultType", "string"),
    ]
    rows: list[list[Any]] = []
    moment, index = start, 0
    while moment < start + timedelta(hours=hours):
        rows.append([moment, f"user{index % 3}@contoso.com", "50126" if index % 3 == 0 else "0"])
        moment += every
        index += 1
    return Table(columns, rows)


def expected_alerts(
    table: Table, frequency: timedelta, start: datetime, end: datetime, result: str | None = "50126"
) -> set[tuple[str, str]]:
    """(window end, user) of each alert of a 5m/5m per-user detection, for windows ending in (start, end]."""
    out = set()
    for time, user, code in table.rows:
        if result is not None and code != result:
            continue
        window_end = start + ((time - start) // frequency + 1) * frequency
        if start < window_end <= end:
            out.add((window_end.strftime("%Y-%m-%dT%H:%M:%SZ"), user))
    return out


def delivered(lines: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(a["window"]["end"], a["entities"][0]["FullName"]) for a in lines]


@pytest.fixture
def workspace() -> LocalWorkspace:
    return LocalWorkspace(tables={"SigninLogs": signins()})


@pytest.fixture
def state(tmp_path: Path) -> Iterator[RunnerState]:
    opened = RunnerState(tmp_path / "state.db")
    yield opened
    opened.close()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL server for the session (skips, saying why, where the binaries are missing)."""
    bin_dir = binaries()
    if bin_dir is None:
        pytest.skip(SKIP_REASON)
    server = PostgresServer(bin_dir)
    yield server
    server.stop()
