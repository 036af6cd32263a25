"""Runner overhead: N detections at a 5-minute frequency over a simulated day, against the local query-API
server (in its own process) through `LogsQueryClient`.

    python benchmarks/runner.py [--detections 500] [--hours 24]

Reports the runner's own time per execution beyond the query (scheduling, rendering, alert evaluation, state
commits, delivery; target < 50 ms) and the runner process's peak memory. The server answers with the local
KQL engine.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kqlrules.rules.model import Detection
from kqlrules.runner import Runner, RunnerConfig, RunnerState, ScheduledDetection, SimulatedClock, open_sink
from kqlrules.table import Column, Table
from kqlrules.workspace import AzureWorkspace, LocalCredential, LocalWorkspace, WorkspaceServer

DAY = datetime(2024, 5, 1, tzinfo=UTC)
QUERIES = (
    'SigninLogs | where ResultType == "50126"',
    'SigninLogs | where UserPrincipalName == "user7@contoso.com"',
)


def sample_table(hours: int) -> Table:
    columns = [
        Column("TimeGenerated", "datetime"),
        Column("UserPrincipalName", "string"),
        Column("ResultType", "string"),
    ]
    rows: list[list[Any]] = []
    for minute in range(hours * 60):
        for user in range(10):
            code = "50126" if (minute + user) % 97 == 0 else "50053" if (minute * user) % 89 == 1 else "0"
            rows.append([DAY + timedelta(minutes=minute, seconds=user), f"user{user}@contoso.com", code])
    return Table(columns, rows)


def serve(hours: int, port_queue: Any) -> None:
    workspace = LocalWorkspace(tables={"SigninLogs": sample_table(hours)})
    server = WorkspaceServer(workspace)
    port_queue.put(server.url)
    server.serve_forever()


def detections(count: int) -> list[ScheduledDetection]:
    out = []
    for index in range(count):
        meta = Detection.model_validate(
            {
                "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"benchmark/{index}")),
                "name": f"benchmark detection {index}",
                "severity": "Low",
                "schedule": {"frequency": "5m", "period": "5m"},
                "entities": {"Account": "UserPrincipalName"},
                "custom_details": {"Result": "ResultType"},
            }
        )
        query = QUERIES[index % len(QUERIES)]
        out.append(ScheduledDetection(meta, lambda window, q=query: q))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--detections", type=int, default=500)
    parser.add_argument("--hours", type=int, default=24)
    args = parser.parse_args()

    context = multiprocessing.get_context("fork")
    urls = context.Queue()
    server = context.Process(target=serve, args=(args.hours, urls), daemon=True)
    server.start()
    url = urls.get(timeout=60)
    folder = Path(tempfile.mkdtemp(prefix="kqlrules-bench-"))
    state = RunnerState(folder / "state.db")
    sink = open_sink(f"file:{folder / 'alerts.jsonl'}")
    workspace = AzureWorkspace("benchmark", LocalCredential.for_endpoint(url), url)
    config = RunnerConfig(delay=timedelta(0), once=True, since=DAY, max_catch_up=100_000)
    clock = SimulatedClock(DAY + timedelta(hours=args.hours))
    runner = Runner(detections(args.detections), workspace, state, [sink], clock=clock, config=config)
    started = time.perf_counter()
    summary = runner.run()
    elapsed = time.perf_counter() - started
    server.terminate()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    what = f"{args.detections} at 5m over {args.hours} simulated hours (local engine)"
    print(f"detections            {what}")
    work = f"{summary.windows_completed} windows, {summary.retries} retries"
    print(f"executions            {summary.executions} ({work})")
    print(f"alerts                {summary.alerts} delivered to a file sink")
    print(f"wall time             {elapsed:.1f} s ({summary.executions / elapsed:.0f} executions/s)")
    print(
        f"query time (client)   {summary.query_seconds / max(summary.executions, 1) * 1000:.2f} ms/execution"
    )
    print(f"runner overhead       {summary.overhead_per_execution * 1000:.3f} ms/execution (target < 50 ms)")
    print(f"peak memory (runner)  {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
