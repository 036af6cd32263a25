"""Precision of the detection pack on the sample tenant's week: per detection, the alerts on the attack
stories it is for, on the hand-picked look-alikes, and on the background week nobody picked to be quiet.

    python benchmarks/precision.py [--out DIR] [--json] [names...]

Writes the sample week (`kqlrules sample generate`, default seed) to DIR and replays every detection's
schedule over it with `kqlrules backtest`'s engine on the local workspace (no HTTP server: the numbers are
the pack's, the same as `kqlrules demo` reports, in a fraction of its time). NRT twins run on the schedule
their YAML gives (hourly, as kqlrules' runner runs them). The replay runs to twelve hours past the week,
as the demo's clock does, so the last windows are due.

Prints one row per detection, every alert that was not on a story it is for (with its title, to be
explained in the detection's description), and the stories missed. Exits 1 when a story was missed or a
detection failed.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kqlrules.demo import check_stories
from kqlrules.rules import find_detection, load_repository
from kqlrules.sample import generate, score
from kqlrules.sample.scoring import classify
from kqlrules.workflow import backtest
from kqlrules.workspace import LocalWorkspace

REPO = Path(__file__).resolve().parent.parent
# As the demo: its simulated clock stops this long after the week (kqlrules.demo.SETTLE).
SETTLE = timedelta(hours=12)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("names", nargs="*", help="detections to measure (default: all)")
    parser.add_argument("--out", type=Path, help="folder for the sample week (default: a temporary one)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kqlrules-precision-") as scratch:
        folder = (args.out or Path(scratch)) / "sample-workspace"
        report = measure(folder, args.names)
    print(json.dumps(report, indent=1) if args.json else as_text(report))
    return 1 if report["missed"] or report["failed"] else 0


def measure(folder: Path, names: list[str]) -> dict[str, Any]:
    tenant = generate(folder)
    repo = load_repository(REPO)
    detections = [find_detection(repo, name) for name in names] if names else list(repo.detections)
    workspace = LocalWorkspace(tenant.folder, watchlists=repo.root)
    result = backtest(detections, workspace, tenant.start, tenant.end + SETTLE)
    stems = {d.meta.id: d.name for d in detections}
    alerts = [alert.payload() for run in result.detections for alert in run.alerts]
    scores = score(alerts, stems, tenant.stories)
    false_alerts = []
    for alert in alerts:
        stem = stems[str(alert["detection"]["id"])]
        kind = classify(alert, stem, tenant.stories)
        if kind != "story":
            false_alerts.append(
                {
                    "detection": stem,
                    "kind": kind,
                    "window": alert["window"]["start"],
                    "title": alert.get("title"),
                }
            )
    checked = [c for c in check_stories(tenant.stories, alerts, repo) if _measured(c.story, stems)]
    return {
        "detections": [s.as_dict() for s in scores],
        "totals": {
            "alerts": sum(s.alerts for s in scores),
            "on_stories": sum(s.on_stories for s in scores),
            "on_look_alikes": sum(s.on_look_alikes for s in scores),
            "on_background": sum(s.on_background for s in scores),
        },
        "false_alerts": sorted(false_alerts, key=lambda a: (a["detection"], a["window"])),
        "missed": [{"story": c.story.name, "missed": list(c.missed)} for c in checked if c.missed],
        "noisy_look_alikes": [
            {"story": c.story.name, "fired": list(c.false_positives)} for c in checked if c.false_positives
        ],
        "failed": {run.key: run.error for run in result.detections if run.error},
    }


def _measured(story: Any, stems: dict[str, str]) -> bool:
    names = set(stems.values())
    return any(n in names for n in (*story.fires, *story.must_not_fire))


def as_text(report: dict[str, Any]) -> str:
    lines = [
        f"{'detection':40} {'alerts':>6} {'stories':>7} {'look-alikes':>11} {'background':>10} precision"
    ]
    for row in report["detections"]:
        precision = "-" if row["precision"] is None else f"{row['precision']:.2f}"
        lines.append(
            f"{row['detection']:40} {row['alerts']:>6} {row['on_stories']:>7} {row['on_look_alikes']:>11} "
            f"{row['on_background']:>10} {precision:>9}"
        )
    totals = report["totals"]
    share = totals["on_stories"] / totals["alerts"] if totals["alerts"] else 0.0
    lines.append(
        f"{'total':40} {totals['alerts']:>6} {totals['on_stories']:>7} {totals['on_look_alikes']:>11} "
        f"{totals['on_background']:>10} {share:>9.2f}"
    )
    if report["false_alerts"]:
        lines += ["", "alerts not on a story the detection is for:"]
        lines += [
            f"  {a['detection']} ({a['kind']}, {a['window']}): {a['title']}" for a in report["false_alerts"]
        ]
    for missed in report["missed"]:
        lines.append(f"MISSED {missed['story']}: {', '.join(missed['missed'])} did not fire")
    for noisy in report["noisy_look_alikes"]:
        lines.append(f"LOOK-ALIKE {noisy['story']}: {', '.join(noisy['fired'])} fired")
    for key, error in report["failed"].items():
        lines.append(f"FAILED {key}: {error}")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
