"""Each story against the detections it names, run on the local engine over the rows up to `check_at`.

Skipped until the engine is installed; a case whose KQL the engine cannot run yet is skipped, not failed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from kqlrules.engine import LocalEngine
from kqlrules.kusto import SchemaSet
from kqlrules.kusto.schemas import with_watchlists
from kqlrules.rules import Repository, load_repository
from kqlrules.sample import GeneratedTenant
from kqlrules.table import Column, Table

# Every story of the sample week against every detection it names, each on its own engine (most of a minute
# of CPU): a whole-corpus sweep, the second step of `make test` (see the Makefile).
pytestmark = pytest.mark.sweep


@pytest.fixture(scope="module")
def typed_tables(week: GeneratedTenant) -> dict[str, Table]:
    # The bundled schemas: Microsoft's published ones (Sentinel CI) with the columns the table reference adds
    # (the sign-in tables' Agent, ...) and the tables they lack (Intune, risk, ...).
    published = SchemaSet.builtin()
    tables = {}
    for name, path in week.files.items():
        columns = _distinct(published.tables[name].columns)
        rows = []
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            rows.append([_typed(record.get(column.name), column.type) for column in columns])
        tables[name] = Table([Column(c.name, c.type) for c in columns], rows)
    return tables


def _distinct(columns: Iterable[Column]) -> list[Column]:
    """Published schemas repeat a few names in another case (clientIP_s, clientIp_s); keep the first."""
    seen: set[str] = set()
    return [c for c in columns if not (c.name.lower() in seen or seen.add(c.name.lower()))]


def _typed(value: Any, kusto_type: str) -> Any:
    if value is not None and kusto_type == "datetime":
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value


def _window(table: Table, start: datetime, end: datetime) -> Table:
    """The rows a workspace query over (start, end] can see; fewer rows also make each case fast."""
    index = [column.name for column in table.columns].index("TimeGenerated")
    return Table(table.columns, [row for row in table.rows if start < row[index] <= end])


@pytest.fixture(scope="module")
def repository(project_root: Path) -> Repository:
    return load_repository(project_root)


def test_stories_fire_and_stay_quiet_as_they_say(
    week: GeneratedTenant, typed_tables: dict[str, Table], repository: Repository, project_root: Path
) -> None:
    # The repository's watchlists, as `kqlrules test` and a local workspace serve them.
    watchlists = with_watchlists(SchemaSet(), project_root)
    detections = {d.name: d for d in repository.detections}
    wrong: list[str] = []
    for story in week.stories:
        for name, expected in [(n, True) for n in story.fires] + [(n, False) for n in story.must_not_fire]:
            detection = detections[name]
            start = story.check_at - detection.meta.schedule.period - timedelta(minutes=5)
            # A detection may read a table the sample tenant does not fill (AZKVAuditLogs beside
            # AzureDiagnostics, under union isfuzzy=true), as a real workspace may lack it.
            read = [t for t in detection.meta.tables if t in typed_tables]
            tables = {t: _window(typed_tables[t], start, story.check_at) for t in read}
            result = LocalEngine(tables, watchlists).query(detection.render().text, now=story.check_at)
            if (len(result.rows) > 0) != expected:
                wrong.append(f"{story.name}: {name} {'did not fire' if expected else 'fired'}")
    assert wrong == []
