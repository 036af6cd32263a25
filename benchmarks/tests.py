"""Time 1,000 generated test cases over the detection pack, the way `kqlrules test` runs them.

    python benchmarks/tests.py [--cases 1000] [--schemas DIR ...] [--json]

The pack (queries/ of this project) is copied to a temporary repository; each detection's test file is
rewritten with copies of its own cases (each copy at another pinned `now`, so fixture times differ) until
the pack holds `--cases` cases. Reported: the cold run (analyzer start, first translations) and the warm
rate, per case and in total, with passed/failed/error counts.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kqlrules.testing.local_backend import LocalBackend  # noqa: E402
from kqlrules.testing.session import plan_tests, run_plan  # noqa: E402


def generate(source: Path, target: Path, total: int) -> int:
    """Copy the pack to `target` with `total` cases spread over the detections that have tests."""
    shutil.copytree(source / "queries", target / "queries")
    if (source / "schemas").is_dir():
        shutil.copytree(source / "schemas", target / "schemas")
    yaml = YAML(typ="rt")
    files = sorted((target / "queries").rglob("*.tests.yaml"))
    documents = []
    for path in files:
        document = yaml.load(path.read_text(encoding="utf-8"))
        cases = document["cases"] if isinstance(document, dict) else document
        documents.append((path, document, list(cases)))
    originals = sum(len(cases) for _, _, cases in documents)
    written = 0
    for index, (path, document, cases) in enumerate(documents):
        share = total * len(cases) // originals if index < len(documents) - 1 else total - written
        copies = []
        for number in range(share):
            case = dict(cases[number % len(cases)])
            round_ = number // len(cases)
            case["name"] = f"{case['name']} #{round_}"
            if case.get("now") is not None:
                case["now"] = case["now"] + timedelta(minutes=7 * round_)
            copies.append(case)
        if isinstance(document, dict):
            document["cases"] = copies
        else:
            document = copies
        with path.open("w", encoding="utf-8") as handle:
            yaml.dump(document, handle)
        written += share
    return written


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--schemas", type=Path, action="append", default=[])
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    shared = os.environ.get("KQLRULES_SHARED")
    if not args.schemas and shared and (Path(shared) / "schemas" / "tables").is_dir():
        args.schemas.append(Path(shared) / "schemas" / "tables")
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        count = generate(ROOT, root, args.cases)
        started = time.perf_counter()
        plan = plan_tests(root, schema_folders=args.schemas)
        planned = time.perf_counter()
        backend = LocalBackend(plan.schemas, parallel=args.jobs)
        report = run_plan(plan, backend, min_cases=0)
        finished = time.perf_counter()
    ran = [r for r in report.results if r.status != "skipped"]
    first_per_detection = {}
    for result in ran:
        first_per_detection.setdefault(result.detection, result.duration)
    cold = sum(first_per_detection.values())
    warm = [r.duration for r in ran if first_per_detection.get(r.detection) != r.duration]
    summary = {
        "cases": count,
        "detections": len(plan.items),
        "passed": report.count("passed"),
        "failed": report.count("failed"),
        "error": report.count("error"),
        "load_seconds": round(planned - started, 2),
        "run_seconds": round(finished - planned, 2),
        "total_seconds": round(finished - started, 2),
        "first_case_per_detection_seconds": round(cold, 2),
        "warm_ms_per_case": round(1000 * sum(warm) / max(len(warm), 1), 2),
        "cpus": os.cpu_count(),
        # Other processes on the machine change every number above: say how busy it was.
        "load_average": round(os.getloadavg()[0], 2),
        "jobs": args.jobs,
    }
    if args.json:
        print(json.dumps(summary))
        return
    print(
        f"{count} cases over {summary['detections']} detections: {summary['passed']} passed, "
        f"{summary['failed']} failed, {summary['error']} error"
    )
    print(
        f"load {summary['load_seconds']}s + run {summary['run_seconds']}s = {summary['total_seconds']}s "
        f"(first case of each detection {summary['first_case_per_detection_seconds']}s; "
        f"then {summary['warm_ms_per_case']} ms per case) on {summary['cpus']} CPUs, {args.jobs} jobs, "
        f"load average {summary['load_average']}"
    )


if __name__ == "__main__":
    main()
