"""Run every Sentinel rule of the reference corpus and tally what fails, by construct: on empty tables, or
with --data on tables holding rows (the sample tenant's week plus rows made from every schema), which counts
the refusals only a row triggers too.

python benchmarks/corpus.py [SHARED_DIR] [--data] [--show CONSTRUCT] [--jobs N]
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kqlrules.engine.corpus import CorpusResult, acceptable, run_corpus


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("shared", nargs="?", default=os.environ.get("KQLRULES_SHARED", "../shared"))
    parser.add_argument("--show", default=None)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--data", action="store_true", help="run over tables holding rows")
    parser.add_argument(
        "--markdown", action="store_true", help="the failures table of docs/engine-coverage.md"
    )
    args = parser.parse_args()
    started = time.perf_counter()
    results = run_corpus(Path(args.shared), jobs=args.jobs, data=args.data)
    elapsed = time.perf_counter() - started
    if args.markdown:
        markdown(results)
        return
    report(results, elapsed, args.show, args.json)


def construct_of(result: CorpusResult) -> str:
    text = result.construct
    text = re.sub(r"externaldata from \S+ \(.*", "externaldata from a remote URL", text)
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(results: list[CorpusResult]) -> None:
    handled = sum(1 for r in results if acceptable(r))
    ok = sum(1 for r in results if r.ok)
    analyzer = sum(1 for r in results if r.kind == "analyzer")
    print(f"- rules with a query: {len(results)}")
    print(f"- executed: {ok} ({100 * ok / len(results):.1f}%)")
    print(f"- refused with the semantic error the analyzer reports: {analyzer}")
    print(f"- handled (the bar's measure): {handled} ({100 * handled / len(results):.1f}%)")
    print()
    print("| rules | kind | construct |")
    print("| ---: | --- | --- |")
    counts = collections.Counter((r.kind, construct_of(r)) for r in results if not acceptable(r))
    for (kind, construct), count in counts.most_common():
        print(f"| {count} | {kind} | {construct} |")


def report(results: list[CorpusResult], elapsed: float, show: str | None, as_json: bool) -> None:
    ok = [r for r in results if r.ok]
    failures = [r for r in results if not r.ok]
    by_kind = collections.Counter(r.kind for r in failures)
    by_construct = collections.Counter(f"{r.kind}: {r.construct}" for r in failures)
    if as_json:
        print(json.dumps({"total": len(results), "ok": len(ok), "by_construct": by_construct.most_common()}))
        return
    print(f"{len(ok)}/{len(results)} rules execute ({100 * len(ok) / len(results):.1f}%) in {elapsed:.1f}s")
    print("failures by kind:", dict(by_kind))
    for construct, count in by_construct.most_common():
        print(f"{count:5d}  {construct}")
    if show:
        for r in failures:
            if show in r.construct or show in r.kind:
                print("---", r.path, r.message)


if __name__ == "__main__":
    main()
