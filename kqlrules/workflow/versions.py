"""`queries/.lock.json`: each detection's content hash and version, so content never changes silently.

A detection's content is its metadata (less `version`) and its template text. `check` fails when content
changed and the version did not rise, when a version went down, and when a detection's id changed (the id
is what deployed rules and alerts are keyed by).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol, TypeVar

from ruamel.yaml import YAML

from kqlrules.errors import KqlrulesError, Location
from kqlrules.rules import Detection

LOCK_FILE = ".lock.json"
Part = Literal["major", "minor", "patch"]
D = TypeVar("D", bound="VersionedDetection")


class VersionedDetection(Protocol):
    @property
    def meta(self) -> Detection: ...
    @property
    def yaml_path(self) -> Path: ...
    @property
    def kql_path(self) -> Path: ...


@dataclass(frozen=True)
class VersionProblem:
    location: Location
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


def content_hash(detection: VersionedDetection) -> str:
    # Defaults left out: a field added to the model later (with its default) changes no detection's hash.
    metadata = detection.meta.model_dump(mode="json", exclude={"version"}, exclude_defaults=True)
    payload = json.dumps(metadata, sort_keys=True) + "\n" + detection.kql_path.read_text(encoding="utf-8")
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _semver(text: str) -> tuple[int, int, int]:
    major, minor, patch = (int(part) for part in text.split("."))
    return major, minor, patch


def read_lock(queries: Path) -> dict[str, dict[str, str]]:
    path = queries / LOCK_FILE
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise KqlrulesError(
            f"invalid JSON: {error.msg}", Location.of(path, error.lineno, error.colno)
        ) from None
    return {str(k): dict(v) for k, v in data.get("detections", {}).items()}


def _entry(queries: Path, detection: VersionedDetection) -> dict[str, str]:
    return {
        "name": detection.meta.name,
        "path": detection.yaml_path.relative_to(queries).as_posix(),
        "version": detection.meta.version,
        "hash": content_hash(detection),
    }


def _write(queries: Path, entries: dict[str, dict[str, str]]) -> Path:
    path = queries / LOCK_FILE
    body = {"lock_version": 1, "detections": dict(sorted(entries.items()))}
    path.write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")
    return path


def write_lock(queries: Path, detections: Iterable[VersionedDetection]) -> Path:
    return _write(queries, {d.meta.id: _entry(queries, d) for d in detections})


def lock_detection(queries: Path, detection: VersionedDetection) -> Path:
    """Add one (new) detection to the lock, leaving every other entry as it is: recording a new detection
    must not approve someone else's unbumped change."""
    entries = read_lock(queries)
    entries[detection.meta.id] = _entry(queries, detection)
    return _write(queries, entries)


def _where(queries: Path, detection: VersionedDetection, key: str) -> Location:
    """`queries/area/name.yaml:line:col` of `key`, relative to the repository (not to where we run)."""
    path = detection.yaml_path.relative_to(queries.parent).as_posix()
    locate = getattr(detection, "location", None)
    if locate is None:
        return Location.of(path)
    found: Location = locate(key)
    return Location.of(path, found.line, found.col)


def check_versions(queries: Path, detections: Sequence[VersionedDetection]) -> list[VersionProblem]:
    lock = read_lock(queries)
    problems: list[VersionProblem] = []
    by_path = {entry["path"]: (rule_id, entry) for rule_id, entry in lock.items()}
    for detection in detections:
        relative = detection.yaml_path.relative_to(queries).as_posix()
        where = _where(queries, detection, "version")
        entry = lock.get(detection.meta.id)
        if entry is None:
            previous = by_path.get(relative)
            if previous is not None:
                problems.append(
                    VersionProblem(
                        _where(queries, detection, "id"),
                        f"id changed from {previous[0]} to {detection.meta.id}: an id is immutable "
                        "(deployed rules and alerts are keyed by it); restore it, or add a new detection",
                    )
                )
            else:
                problems.append(
                    VersionProblem(where, "not in queries/.lock.json yet: run `kqlrules version lock`")
                )
            continue
        locked, current = _semver(entry["version"]), _semver(detection.meta.version)
        if current < locked:
            problems.append(
                VersionProblem(
                    where, f"version went down from {entry['version']} to {detection.meta.version}"
                )
            )
        elif content_hash(detection) != entry["hash"] and current == locked:
            problems.append(
                VersionProblem(
                    where,
                    f"content changed but version is still {detection.meta.version}: "
                    "run `kqlrules version bump`",
                )
            )
    return problems


def bumped(version: str, part: Part) -> str:
    major, minor, patch = _semver(version)
    if part == "major":
        return f"{major + 1}.0.0"
    if part == "minor":
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"


def bump_version(detection: VersionedDetection, part: Part = "patch") -> str:
    """Rewrite the `version:` of a detection's YAML in place: only that value changes, every other byte
    (comments, indentation of lists, quoting, line breaks) stays the author's."""
    text = detection.yaml_path.read_text(encoding="utf-8")
    data = YAML().load(text)
    new = bumped(str(data.get("version", detection.meta.version)), part)
    if "version" in data:
        line, _ = data.lc.key("version")
        lines = text.splitlines(keepends=True)
        edited = _VERSION_LINE.sub(lambda m: f"{m['key']}{m['quote']}{new}{m['quote']}", lines[line], count=1)
        if edited == lines[line]:
            raise KqlrulesError(
                f"{detection.yaml_path}:{line + 1}: cannot find the version value on its line",
                hint="write it on one line as `version: 1.2.3`",
            )
        lines[line] = edited
        text = "".join(lines)
    else:
        separator = "" if not text or text.endswith("\n") else "\n"
        text = f"{text}{separator}version: {new}\n"
    detection.yaml_path.write_text(text, encoding="utf-8")
    return new


# A top-level `version:` line and its scalar (plain or quoted), so only the value is replaced.
_VERSION_LINE = re.compile(r"^(?P<key>version\s*:\s*)(?P<quote>[\"']?)[^\s\"'#]+(?P=quote)")


def changed(queries: Path, detections: Sequence[D]) -> list[D]:
    """Detections whose content differs from the lock while their version does not."""
    lock = read_lock(queries)
    return [
        d
        for d in detections
        if d.meta.id in lock
        and lock[d.meta.id]["version"] == d.meta.version
        and lock[d.meta.id]["hash"] != content_hash(d)
    ]
