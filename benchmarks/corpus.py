"""Run every Sentinel rule of the reference corpus on empty tables and tally what fails, by construct.

python benchmarks/corpus.py [SHARED_DIR] [--show CONSTRUCT] [--jobs N]
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kqlrules.engine.corpus import CorpusResult, run_corpus


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("shared", nargs="?", default=os.environ.get("KQLRULES_SHARED", "../shared"))
    parser.add_argument("--show", default=None)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    started = time.perf_counter()
    results = run_corpus(Path(args.shared), jobs=args.jobs)
    elapsed = time.perf_counter() - started
    report(results, elapsed, args.show, args.json)


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
