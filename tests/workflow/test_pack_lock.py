"""The pack's own `queries/.lock.json`: every detection recorded, and `kqlrules version check` green.

A change to a pack detection needs `kqlrules version bump NAME` in the same commit; this test is what
holds the project to its own rule.
"""

from __future__ import annotations

import json
from pathlib import Path

from kqlrules.rules import load_repository
from tests.workflow.conftest import invoke


def test_the_lock_records_every_detection_of_the_pack(project_root: Path) -> None:
    lock = json.loads((project_root / "queries" / ".lock.json").read_text(encoding="utf-8"))
    ids = {d.meta.id for d in load_repository(project_root, strict=True).detections}
    assert set(lock["detections"]) == ids


def test_version_check_passes_on_the_pack(project_root: Path) -> None:
    code, stdout, stderr = invoke("--repo", str(project_root), "version", "check")
    assert code == 0, stderr
    assert "match queries/.lock.json" in stdout
