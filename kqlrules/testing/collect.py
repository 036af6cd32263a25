"""Finding the cases: each detection's `<name>.tests.yaml`, and test files whose detection is gone."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from kqlrules.errors import KqlrulesError, Location
from kqlrules.rules import LoadedDetection, Repository, find_detection, shown
from kqlrules.testing.cases import TESTS_SUFFIX, TestFile, detection_name_of, load_test_file, tests_path_for
from kqlrules.testing.errors import UnknownDetection


@dataclass
class DetectionTests:
    detection: LoadedDetection
    file: TestFile | None  # None: the detection has no test file

    @property
    def key(self) -> str:
        return self.detection.key


def select_detections(repo: Repository, names: Sequence[str]) -> list[LoadedDetection]:
    """The named detections (by name, area/name, id, or file path), or all of them."""
    if not names:
        return list(repo.detections)
    chosen: list[LoadedDetection] = []
    for name in names:
        candidate = Path(name)
        if name.endswith(TESTS_SUFFIX):
            name = str(candidate.with_name(detection_name_of(candidate) + ".yaml"))
        try:
            detection = find_detection(repo, name)
        except KqlrulesError as error:
            raise UnknownDetection(error.message, error.location, hint=error.hint) from None
        if detection not in chosen:
            chosen.append(detection)
    return chosen


def collect(
    detections: Sequence[LoadedDetection], *, default_now: datetime | None = None
) -> list[DetectionTests]:
    collected = []
    for detection in detections:
        path = tests_path_for(detection.yaml_path)
        test_file = load_test_file(path, default_now=default_now) if path.is_file() else None
        collected.append(DetectionTests(detection, test_file))
    return collected


def orphan_test_files(repo: Repository) -> list[KqlrulesError]:
    """Test files next to no detection: a renamed or deleted detection whose tests would silently stop."""
    known = {tests_path_for(d.yaml_path).resolve() for d in repo.detections}
    names = [d.name for d in repo.detections]
    problems: list[KqlrulesError] = []
    for path in sorted(repo.queries_dir.rglob("*" + TESTS_SUFFIX)):
        if path.resolve() in known or "fixtures" in path.parts:
            continue
        if any(path.with_name(detection_name_of(path) + suffix).is_file() for suffix in (".yaml", ".yml")):
            continue  # its detection exists but did not load: that problem is reported already
        close = difflib.get_close_matches(detection_name_of(path), names, n=1)
        problems.append(
            UnknownDetection(
                f"test file for unknown detection {detection_name_of(path)!r}",
                Location.of(shown(path)),
                hint=f"did you mean {close[0]}?" if close else f"name it <detection>{TESTS_SUFFIX}",
            )
        )
    return problems
