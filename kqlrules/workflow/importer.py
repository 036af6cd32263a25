"""`kqlrules import sentinel`: Sentinel analytic rule files -> detection files under `queries/<area>/`."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kqlrules.errors import KqlrulesError, Location
from kqlrules.rules import SentinelYamlError, read_rule, rule_files
from kqlrules.workflow.sentinel_format import ImportedRule, SentinelImportError, from_sentinel
from kqlrules.workflow.yaml_out import dump_yaml


@dataclass
class ImportReport:
    written: list[tuple[Path, ImportedRule]] = field(default_factory=list)
    skipped: list[KqlrulesError] = field(default_factory=list)


def sentinel_files(paths: Iterable[Path]) -> list[Path]:
    """Rule files under `paths`, odd names such as `x. yaml` included."""
    return rule_files(paths)


def read_sentinel_rule(path: Path, shown: str | None = None) -> dict[str, Any]:
    """One rule file's fields; a file that is not YAML, or not a mapping, raises `SentinelImportError`."""
    try:
        return read_rule(path, shown)
    except SentinelYamlError as error:
        raise SentinelImportError(error.message, error.location) from None


def import_sentinel(
    paths: Iterable[Path],
    out: Path,
    *,
    base: Path | None = None,
    on_file: Callable[[Path], None] | None = None,
    existing: Mapping[str, Path] | None = None,
) -> ImportReport:
    """Import every rule under `paths` into `out/<area>/<name>.{yaml,kql}`; one bad file stops nothing.

    A file that is not a rule, or that the detection model refuses, is reported and skipped (so the
    repository stays loadable); a second file with an id already imported is reported naming both files.
    `on_file` hears of each file as it is read (a progress bar). `existing` (id -> yaml path) are the
    detections already in the repository: a rule with one of their ids is skipped, naming the file, so
    importing the same rules twice leaves one copy (and no duplicate id that would fail `validate`)."""
    report = ImportReport()
    seen_ids: dict[str, Path] = {}
    present = {key.lower(): path for key, path in (existing or {}).items()}
    for path in sentinel_files(paths):
        if on_file is not None:
            on_file(path)
        relative = path.relative_to(base) if base else path
        try:
            rule = from_sentinel(read_sentinel_rule(path, str(relative)), relative)
        except SentinelImportError as error:
            report.skipped.append(error)
            continue
        # Sentinel compares rule template ids without regard to case.
        rule_id = str(rule.metadata.get("id", "")).lower()
        if rule_id in present:
            report.skipped.append(
                SentinelImportError(
                    f"id {rule.metadata['id']} is already in {present[rule_id]}",
                    Location.of(relative),
                    hint="the rule is in the repository already; change that detection instead",
                )
            )
            continue
        if rule_id in seen_ids:
            first = seen_ids[rule_id]
            report.skipped.append(
                SentinelImportError(
                    f"duplicate id {rule.metadata['id']}: {relative} and {first} both have it; "
                    f"imported {first} only",
                    Location.of(relative),
                    hint="give one of the rules a new GUID (ids identify rules in Sentinel)",
                )
            )
            continue
        seen_ids[rule_id] = relative
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
