"""`kqlrules import sentinel`: Sentinel analytic rule files -> detection files under `queries/<area>/`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kqlrules.errors import KqlrulesError, Location
from kqlrules.workflow.sentinel_format import ImportedRule, SentinelImportError, from_sentinel
from kqlrules.workflow.yaml_out import dump_yaml


@dataclass
class ImportReport:
    written: list[tuple[Path, ImportedRule]] = field(default_factory=list)
    skipped: list[KqlrulesError] = field(default_factory=list)


def sentinel_files(paths: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.suffix.lower() in (".yaml", ".yml")))
        elif path.exists():
            files.append(path)
        else:
            raise KqlrulesError(f"{path}: no such file or folder")
    return files


# Sentinel's own tooling reads rules with PyYAML, which accepts block scalars that stricter YAML 1.2 parsers
# (ruamel) refuse; importing must accept what Sentinel accepts.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_sentinel_rule(path: Path) -> dict[str, Any]:
    try:
        data = yaml.load(path.read_text(encoding="utf-8-sig"), Loader=_Loader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = Location.of(path, mark.line + 1, mark.column + 1) if mark else Location.of(path)
        raise SentinelImportError(f"invalid YAML: {error.problem}", where) from None
    if not isinstance(data, dict):
        raise SentinelImportError(
            "not a Sentinel analytic rule (expected a mapping)", Location.of(path, 1, 1)
        )
    return data


def import_sentinel(
    paths: Iterable[Path],
    out: Path,
    *,
    base: Path | None = None,
    on_file: Callable[[Path], None] | None = None,
) -> ImportReport:
    """Import every rule under `paths` into `out/<area>/<name>.{yaml,kql}`; one bad file stops nothing.
    `on_file` hears of each file as it is read (a progress bar)."""
    report = ImportReport()
    seen_ids: dict[str, Path] = {}
    for path in sentinel_files(paths):
        if on_file is not None:
            on_file(path)
        try:
            relative = path.relative_to(base) if base else path
            rule = from_sentinel(read_sentinel_rule(path), relative)
        except SentinelImportError as error:
            report.skipped.append(error)
            continue
        rule_id = str(rule.metadata.get("id", "")).lower()
        if rule_id in seen_ids:
            report.skipped.append(
                SentinelImportError(
                    f"same id {rule_id} as {seen_ids[rule_id]}: imported once", Location.of(path)
                )
            )
            continue
        seen_ids[rule_id] = path
        report.written.append((write_detection(out, rule.area, rule), rule))
    return report


def write_detection(out: Path, area: str, rule: ImportedRule) -> Path:
    """Write `out/<area>/<name>.yaml` and its `.kql`; a name already taken gets `-2`, `-3`, ..."""
    target = out / area / f"{rule.name}.yaml"
    suffix = 2
    while target.exists():
        target = out / area / f"{rule.name}-{suffix}.yaml"
        suffix += 1
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(dump_yaml(rule.metadata), encoding="utf-8")
    target.with_suffix(".kql").write_text(rule.template, encoding="utf-8")
    return target
