"""Start-up time of the CLI: `kqlrules --help` and `kqlrules list` against bare Python, side by side.

Run from the project root: `python benchmarks/startup.py [runs]` (default 7). Each command runs as a new
process; the median wall time is printed with its ratio to `python -c pass` (the floor no CLI can go
under) and to importing what the commands used to import at start-up (the engine, DuckDB, the Azure SDK),
so a slow machine and a fast one give comparable ratios. The target is 0.5 s for both commands.

Where Python may not write bytecode (`PYTHONDONTWRITEBYTECODE=1`, as on the shared build machine) an editable
install compiles kqlrules' own modules at every start, about 0.05 s more; a wheel install ships its bytecode.
`PYTHONPYCACHEPREFIX=/tmp/pyc` (with `PYTHONDONTWRITEBYTECODE` unset) measures the installed case.
"""

from __future__ import annotations

import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 0.5
KQLRULES = [sys.executable, "-m", "kqlrules"]
EAGER = (
    "import kqlrules.cli.main, kqlrules.engine, kqlrules.deploy, kqlrules.runner, kqlrules.workspace, "
    "kqlrules.testing.session, azure.monitor.query, azure.identity, duckdb"
)
CASES = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "import (eager: engine, duckdb, azure)": [sys.executable, "-c", EAGER],
    "kqlrules --help": [*KQLRULES, "--help"],
    "kqlrules list": [*KQLRULES, "--repo", str(ROOT), "list", "--format", "json"],
}


def median_seconds(command: list[str], runs: int) -> tuple[float, float]:
    """Median wall time and median CPU time (user + system) of the child: on a shared machine the CPU
    time is the steadier of the two, since waiting for a core does not count."""
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        walls.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def main(argv: list[str]) -> int:
    runs = int(argv[0]) if argv else 7
    measured = {name: median_seconds(command, runs) for name, command in CASES.items()}
    floor = measured["python -c pass"][1]
    eager = measured["import (eager: engine, duckdb, azure)"][1]
    print(f"median of {runs} runs; CPU-time ratios to bare python and to the eager imports")
    if sys.flags.dont_write_bytecode:
        print("bytecode is not written (PYTHONDONTWRITEBYTECODE): kqlrules' modules compile at every start")
    print(f"{'command':<40} {'wall s':>7} {'cpu s':>6} {'x python':>9} {'x eager':>8}  target (cpu)")
    for name, (wall, cpu) in measured.items():
        verdict = ""
        if name.startswith("kqlrules"):
            verdict = "ok" if cpu <= TARGET_SECONDS else f"over {TARGET_SECONDS}s"
        print(f"{name:<40} {wall:>7.3f} {cpu:>6.3f} {cpu / floor:>9.1f} {cpu / eager:>8.2f}  {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
