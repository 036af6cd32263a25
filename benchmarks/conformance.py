"""Conformance to the Kusto reference examples: pass/fail/error/unsupported by page kind, and the failures.

Run from the project root: `python benchmarks/conformance.py [path/to/shared]` (default: `../shared`, or the
KQLRULES_SHARED environment variable). Add `--all` to list every unsupported and erroring case too.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kqlrules.engine import LocalEngine
from tests.conformance.runner import load_cases, run


def main(argv: list[str]) -> int:
    arguments = [a for a in argv if not a.startswith("--")]
    default = os.environ.get("KQLRULES_SHARED") or str(
        Path(__file__).resolve().parent.parent.parent / "shared"
    )
    shared = Path(arguments[0] if arguments else default)
    started = time.perf_counter()
    engine = LocalEngine()
    report = run(load_cases(shared), engine)
    print(report.summary())
    print(f"ran in {time.perf_counter() - started:.1f}s\n")
    shown = ("fail", "error", "unsupported", "doc-error") if "--all" in argv else ("fail", "doc-error")
    for outcome in report.outcomes:
        if outcome.status in shown:
            print(f"[{outcome.status}] #{outcome.case.number} {outcome.case.page}: {outcome.detail[:240]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
