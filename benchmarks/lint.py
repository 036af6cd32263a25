"""Lint the 1,063 Sentinel rules of the reference corpus with the reference schemas; print queries per
second and the share of the time spent waiting for Microsoft's analyzer.

    KQLRULES_SHARED=../shared python benchmarks/lint.py [--workers N] [--repeat N] [--cache FOLDER]
        [--findings FILE]

With `--findings`, the last run's report is written as `kqlrules lint --format json` writes it, so that two
versions of the analyzer bridge can be compared finding for finding.

With `--cache`, the first run fills the cache (if it is empty) and the next ones are answered from it.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kqlrules.kusto import AnalysisCache, Analyzer, SchemaSet
from kqlrules.lint import counts, file_unit, lint_units
from kqlrules.lint.report import render_json


def shared_folder() -> Path:
    configured = os.environ.get("KQLRULES_SHARED")
    folder = Path(configured) if configured else Path(__file__).resolve().parents[2] / "shared"
    if not (folder / "corpus" / "sentinel-rules" / "INDEX.tsv").is_file():
        sys.exit(f"reference data not found in {folder}: set KQLRULES_SHARED")
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=None, help="analyzer worker threads")
    parser.add_argument("--repeat", type=int, default=1, help="runs on the same warm analyzer")
    parser.add_argument("--cache", type=Path, default=None, help="an analysis cache folder (default: none)")
    parser.add_argument("--findings", type=Path, default=None, help="write the last run's JSON report here")
    options = parser.parse_args()
    shared = shared_folder()
    root = shared / "corpus" / "sentinel-rules"
    with (root / "INDEX.tsv").open(encoding="utf-8") as handle:
        paths = [root / row["path"] for row in csv.DictReader(handle, delimiter="\t")]
    schemas = SchemaSet.load(shared / "schemas" / "tables", shared / "schemas" / "functions")
    with Analyzer(workers=options.workers) as analyzer:
        started = time.perf_counter()
        if options.cache is None:
            analyzer.ping()  # with a cache, Node starts only if some query is not in it
        startup = time.perf_counter() - started
        for attempt in range(1, options.repeat + 1):
            cache = AnalysisCache(options.cache) if options.cache else None
            run = lint_units((file_unit(path) for path in paths), analyzer, schemas, cache=cache)
            total = counts(run.findings)
            print(
                f"run {attempt}: {run.units} files, {run.queries} queries in {run.seconds:.1f} s "
                f"({run.queries / run.seconds:.0f} queries/s); waiting for the analyzer "
                f"{run.analyzer_seconds:.1f} s ({100 * run.analyzer_seconds / run.seconds:.0f}%); "
                f"{total['error']} errors, {total['warning']} warnings, {total['note']} notes"
            )
        if options.findings is not None:
            report = json.dumps(render_json(run), indent=1, sort_keys=True)
            options.findings.write_text(report + "\n", encoding="utf-8")
    # CPU time tells what wall time cannot on a shared machine: kqlrules' own and Node's (a finished child).
    own = resource.getrusage(resource.RUSAGE_SELF)
    node = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(
        f"CPU: kqlrules {own.ru_utime + own.ru_stime:.1f} s, "
        f"analyzer (Node) {node.ru_utime + node.ru_stime:.1f} s "
        f"for {options.repeat} run(s); analyzer start-up {startup:.1f} s; {os.cpu_count()} cores; "
        f"load average {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
