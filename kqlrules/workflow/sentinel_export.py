"""Write a repository's detections as Microsoft Sentinel analytic rule YAML, in the Azure-Sentinel
repository's shape, each checked against that repository's CI rules."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kqlrules.rules import LoadedDetection, shown
from kqlrules.workflow.connectors import tables_named_in
from kqlrules.workflow.sentinel_ci import ci_problems, duplicate_ids
from kqlrules.workflow.sentinel_format import to_sentinel
from kqlrules.workflow.yaml_out import dump_yaml


@dataclass(frozen=True)
class ExportedRule:
    path: Path
    rule: dict[str, Any]
    problems: list[str]  # what Azure-Sentinel's CI would refuse in it


@dataclass(frozen=True)
class SentinelExport:
    rules: list[ExportedRule]
    duplicate_ids: list[str]  # ids more than one exported rule carries


def export_sentinel(
    detections: Sequence[LoadedDetection], output: Path, tables_of: Callable[[str], list[str]] | None = None
) -> SentinelExport:
    """`output/<area>/<name>.yaml` for each detection. A rule's tables are its declared ones, else those
    `tables_of` (the analyzer) finds in the rendered query, else the table names the query starts from."""
    exported = []
    for detection in detections:
        query = detection.render().text
        tables = detection.meta.tables or (tables_of(query) if tables_of else []) or tables_named_in(query)
        rule = to_sentinel(detection.meta, query, tables=tables)
        target = output / detection.area / f"{detection.name}.yaml"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(dump_yaml(rule), encoding="utf-8")
        exported.append(ExportedRule(target, rule, ci_problems(rule)))
    return SentinelExport(exported, duplicate_ids([(shown(e.path), e.rule) for e in exported]))
