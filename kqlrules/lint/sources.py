"""From the paths a user gives to lint units: detections of a kqlrules repository (through the loader),
plain `.kql` files, and Microsoft Sentinel rule YAML files (anything with a `query:`)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path

from kqlrules.errors import KqlrulesError, Location
from kqlrules.lint.findings import Finding, Severity
from kqlrules.lint.rules import INVALID_INPUT
from kqlrules.lint.sentinel import read_sentinel_rule
from kqlrules.lint.unit import ColumnUse, LintUnit, identity_origin
from kqlrules.rules import LoadedDetection, is_rule_file, load_repository, shown

_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_SKIPPED_FOLDERS = {".git", "node_modules", "__pycache__", ".venv"}


def discover(paths: list[Path], repo: Path | None = None) -> Iterator[LintUnit]:
    """Every unit under `paths` (the repository `repo` when none are given), in a stable order."""
    if not paths:
        if repo is None:
            raise KqlrulesError("nothing to lint", hint="pass files or folders, or run inside a repository")
        yield from repository_units(repo)
        return
    repositories: dict[Path, set[Path] | None] = {}
    loose: list[Path] = []
    for path in paths:
        if not path.exists():
            raise KqlrulesError(f"no such file or folder: {path}")
        root = _repository_of(path)
        if root is None:
            loose.extend(_files(path) if path.is_dir() else [path])
        elif path.is_dir() and path.resolve() in (root, root / "queries"):
            repositories[root] = None  # the whole repository
        elif repositories.get(root, set()) is not None:
            selected = repositories.setdefault(root, set())
            assert selected is not None
            selected.update(p.resolve() for p in (_files(path) if path.is_dir() else [path]))
    for root, selected in repositories.items():
        yield from repository_units(root, selected)
    for file in loose:
        yield file_unit(file)


def file_unit(path: Path) -> LintUnit:
    """A plain `.kql` file, or anything else read as a Sentinel rule YAML."""
    name = shown(path)
    if path.suffix.lower() != ".kql":
        return read_sentinel_rule(path, name)
    try:
        text = path.read_bytes().decode("utf-8-sig").replace("\r\n", "\n")
    except (OSError, UnicodeDecodeError) as error:
        where = Location(name)
        problem = Finding(INVALID_INPUT.code, Severity.error, f"cannot read file: {error}", where)
        return LintUnit(name, None, identity_origin(name), problems=[problem])
    return LintUnit(name, text, identity_origin(name), anchor=Location(name, 1, 1))


def repository_units(root: Path, selected: set[Path] | None = None) -> Iterator[LintUnit]:
    """Each detection of the repository (or those whose .yaml/.kql is in `selected`), then one unit per
    loading problem (invalid metadata, a template without metadata, duplicate ids)."""
    repository = load_repository(root)
    wanted = None if selected is None else {shown(path) for path in selected}
    for problem in repository.problems:
        where = problem.location or Location(shown(root))
        if wanted is None or where.path in wanted:
            finding = Finding(INVALID_INPUT.code, Severity.error, _message(problem), where)
            yield LintUnit(where.path, None, identity_origin(where.path), problems=[finding])
    for detection in repository.detections:
        paths = {shown(detection.yaml_path), shown(detection.kql_path)}
        if wanted is None or paths & wanted:
            yield detection_unit(detection)


def detection_unit(detection: LoadedDetection) -> LintUnit:
    meta = detection.meta
    kql = shown(detection.kql_path)
    anchor = Location(kql, 1, 1)
    common = {
        "period": meta.schedule.period,
        "column_uses": _column_uses(detection),
        "disabled": frozenset(code.upper() for code in meta.lint.disable),
        "anchor": anchor,
        "declared_tables": tuple(meta.tables) if meta.tables else None,
        "tables_location": detection.location("tables") if meta.tables else None,
    }
    try:
        rendered = detection.render()
    except KqlrulesError as error:
        where = error.location or anchor
        finding = Finding(INVALID_INPUT.code, Severity.error, _message(error), where)
        return LintUnit(shown(detection.yaml_path), None, identity_origin(kql), problems=[finding], **common)  # type: ignore[arg-type]
    return LintUnit(shown(detection.yaml_path), rendered.text, rendered.line_map.to_template, **common)  # type: ignore[arg-type]


def _column_uses(detection: LoadedDetection) -> list[ColumnUse]:
    meta = detection.meta
    uses = []
    written = detection.document.get("entities") if isinstance(detection.document, Mapping) else None
    as_list = isinstance(written, list)  # `- {type: Account, fields: {...}}` rather than `Account: ...`
    for index, entity in enumerate(meta.entities):
        for identifier, column in entity.fields.items():
            keys = (
                ("entities", index, "fields", identifier)
                if as_list
                else ("entities", entity.type, identifier)
            )
            uses.append(ColumnUse(column, f"entity {entity.type}.{identifier}", detection.location(*keys)))
    for key, column in meta.custom_details.items():
        uses.append(ColumnUse(column, f"custom detail {key}", detection.location("custom_details", key)))
    alert = meta.alert
    for key in ("title", "description"):
        for match in _PLACEHOLDER.finditer(getattr(alert, key) or ""):
            uses.append(
                ColumnUse(match.group(1), f"alert {key} placeholder", detection.location("alert", key))
            )
    for key in ("severity_column", "tactics_column"):
        if column := getattr(alert, key):
            uses.append(ColumnUse(column, f"alert {key}", detection.location("alert", key)))
    for key, column in alert.dynamic_properties.items():
        where = detection.location("alert", "dynamic_properties", key)
        uses.append(ColumnUse(column, f"alert dynamic property {key}", where))
    return uses


def _message(error: KqlrulesError) -> str:
    return error.message + (f" (hint: {error.hint})" if error.hint else "")


def _repository_of(path: Path) -> Path | None:
    """The kqlrules repository `path` belongs to: it is one, or lies under its `queries/` folder."""
    resolved = path.resolve()
    if resolved.is_dir() and (resolved / "queries").is_dir():
        return resolved
    # `queries/` itself is the whole repository (`kqlrules lint queries`), as any folder under it is part.
    for folder in (resolved, *resolved.parents):
        if folder.name == "queries" and folder.parent.is_dir():
            return folder.parent
    return None


def _files(folder: Path) -> list[Path]:
    found = []
    for path in sorted(folder.rglob("*")):
        parts = path.relative_to(folder).parts
        if any(part in _SKIPPED_FOLDERS for part in parts) or not path.is_file():
            continue
        if path.suffix.lower() == ".kql" or is_rule_file(path):
            found.append(path)
    return found
