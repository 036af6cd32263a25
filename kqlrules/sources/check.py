"""Is any detection blind? For every detection, each table it reads: is its feed exported to the
workspace, did the table receive data within the detection's lookback, and does retention cover it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from kqlrules.deploy import Environment
from kqlrules.sources.catalogue import Source, feed_for
from kqlrules.sources.live import INTUNE_SCOPE, LiveSources
from kqlrules.sources.plan import subscription_scope


@dataclass(frozen=True)
class TableState:
    table: str
    collected_by: str  # where the feed is switched on, in words
    exported: bool | None  # None: kqlrules cannot read that source's setting (checked by data alone)
    rows: int  # rows within the detection's lookback
    retention_days: int | None  # total retention, when the workspace reports it
    lookback: timedelta

    @property
    def problems(self) -> list[str]:
        found = []
        if self.exported is False:
            found.append("not exported")
        if self.rows == 0:
            found.append(f"no data in the last {_days(self.lookback)}")
        if self.retention_days is not None and timedelta(days=self.retention_days) < self.lookback:
            found.append(
                f"retention {self.retention_days}d is shorter than the lookback {_days(self.lookback)}"
            )
        return found


@dataclass(frozen=True)
class DetectionState:
    key: str
    name: str
    tables: tuple[TableState, ...]
    # Tables read only as `union isfuzzy=true` legs: they blind the detection only together (the union
    # operator's reference: it runs while one leg's table exists), when it reads nothing else.
    optional: frozenset[str] = frozenset()

    @property
    def problems(self) -> list[str]:
        """Problems of the detection as a whole: one whose tables are unknown is not known to see."""
        if not self.tables:
            return [
                "the tables it reads are unknown: the analyzer could not bind its query; declare `tables:`"
            ]
        return []

    @property
    def blind(self) -> bool:
        if self.problems:
            return True
        required = [table for table in self.tables if table.table not in self.optional]
        if required:
            return any(table.problems for table in required)
        return all(table.problems for table in self.tables)

    def to_json(self) -> dict[str, Any]:
        return {
            "detection": self.key,
            "name": self.name,
            "blind": self.blind,
            "problems": self.problems,
            "tables": [
                {
                    "table": t.table,
                    "collected_by": t.collected_by,
                    "exported": t.exported,
                    "rows_in_lookback": t.rows,
                    "retention_days": t.retention_days,
                    "lookback_days": t.lookback / timedelta(days=1),
                    "problems": t.problems,
                    "optional": t.table in self.optional,
                }
                for t in self.tables
            ],
        }


def exported(
    table: str, live: LiveSources, environment: Environment, resources: Sequence[str]
) -> bool | None:
    feed = feed_for(table)
    if feed is None or not feed.managed:
        return None
    workspace = environment.workspace_id.lower()
    if feed.source is Source.defender:
        return any(
            feed.category in export.exports_to(workspace, environment.subscription) for export in live.exports
        )
    if feed.source is Source.entra:
        scopes = [""]
    elif feed.source is Source.intune:
        scopes = [INTUNE_SCOPE]
    elif feed.source is Source.activity:
        scopes = [subscription_scope(environment)]
    else:
        scopes = list(resources)
    return any(
        feed.category in setting.categories and (setting.workspace_id or "").lower() == workspace
        for scope in scopes
        for setting in live.settings.get(scope, [])
    )


def check_detection(
    key: str,
    name: str,
    tables: Sequence[str],
    lookback: timedelta,
    rows: Mapping[str, int],
    live: LiveSources,
    environment: Environment,
    resources: Sequence[str],
    optional: frozenset[str] = frozenset(),
) -> DetectionState:
    states = []
    for table in tables:
        feed = feed_for(table)
        retention = live.retention.get(table)
        states.append(
            TableState(
                table,
                feed.describe if feed is not None else "unknown to kqlrules (custom or function)",
                exported(table, live, environment, resources),
                rows.get(table, 0),
                retention.total_days if retention is not None else None,
                lookback,
            )
        )
    return DetectionState(key, name, tuple(states), optional)


def _days(span: timedelta) -> str:
    days = span / timedelta(days=1)
    return f"{days:g}d" if days >= 1 else f"{span / timedelta(hours=1):g}h"
