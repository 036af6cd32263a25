"""`kqlrules demo`'s work, timed: the pack over the sample week through the local query-API server.

    python benchmarks/demo.py [--compare] [--hours 6] [--out /tmp/demo-bench]

Prints the wall and CPU time (this process: the runner, the server and the engine all run in it), the windows
run and how many of them were answered without running the query (no row of the tables the result's rows come
from in the window): by the runner before any query is sent (`kqlrules.runner.quiet`), or by the local
workspace. With `--compare`, the demo runs a second time with every query sent and run, and the two alert
lists must be the same (the ratio is of the same machine in the same minutes).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kqlrules.demo import DemoResult, run_demo
from kqlrules.rules import load_repository

ROOT = Path(__file__).resolve().parent.parent


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed(out: Path, hours: float | None, *, answer_quiet_windows: bool) -> tuple[DemoResult, float, float]:
    repo = load_repository(ROOT)
    wall, cpu = time.perf_counter(), cpu_seconds()
    result = run_demo(repo, out, answer_quiet_windows=answer_quiet_windows, hours=hours)
    return result, time.perf_counter() - wall, cpu_seconds() - cpu


def alert_list(result: DemoResult) -> list[str]:
    """Every alert whole (fingerprint, window, entities, details), in one order."""
    return sorted(json.dumps(alert, sort_keys=True) for alert in result.alerts)


def report(label: str, result: DemoResult, wall: float, cpu: float) -> None:
    windows = result.summary.windows_completed
    print(
        f"{label}: {wall:.1f} s wall, {cpu:.1f} s CPU; {windows} windows "
        f"({result.summary.windows_failed} failed), "
        f"{result.windows_answered_empty} answered without running the query "
        f"({result.windows_answered_quietly} by the runner, no query sent); "
        f"{len(result.alerts)} alerts; {cpu / max(windows, 1) * 1000:.1f} ms CPU a window"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=Path("/tmp/kqlrules-demo-bench"))
    parser.add_argument("--compare", action="store_true", help="also run every query, and compare")
    parser.add_argument("--hours", type=float, help="only the week's first hours (default: the whole demo)")
    args = parser.parse_args()
    result, wall, cpu = timed(args.out / "quiet-windows-answered", args.hours, answer_quiet_windows=True)
    report("demo", result, wall, cpu)
    if args.compare:
        every, every_wall, every_cpu = timed(
            args.out / "every-query-run", args.hours, answer_quiet_windows=False
        )
        report("every query run", every, every_wall, every_cpu)
        same = alert_list(result) == alert_list(every)
        print(f"ratio (every query run / demo): {every_wall / wall:.2f}x wall, {every_cpu / cpu:.2f}x CPU")
        print("alerts: the same" if same else "alerts: DIFFERENT")
        if not same:
            raise SystemExit(1)


if __name__ == "__main__":
    main()
