"""A backtest over the sample tenant: how precise each detection is on the week `kqlrules sample generate`
wrote (alerts on the stories it is for, on look-alikes, on the background)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from kqlrules.rules import LoadedDetection
from kqlrules.workflow.backtest import Backtest

if TYPE_CHECKING:
    from kqlrules.sample import DetectionScore


def backtest_precision(
    spec: str, detections: list[LoadedDetection], result: Backtest
) -> list[DetectionScore]:
    """Over a folder `kqlrules sample generate` wrote (`local:DIR` with its manifest): each detection's alerts
    split into those on the stories it is for, on look-alikes and on the background week; otherwise none."""
    if not spec.startswith("local:"):
        return []
    from kqlrules.sample import read_manifest, score  # the sample generator: only for a local folder

    stories = read_manifest(Path(spec.removeprefix("local:")))
    if stories is None:
        return []
    alerts = [alert.payload() for detection in result.detections for alert in detection.alerts]
    return score(alerts, {d.meta.id: d.name for d in detections}, stories)
