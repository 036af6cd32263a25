"""`kqlrules new AREA/NAME`: a detection that validates, lints and passes its tests from the first minute.

It writes `queries/AREA/NAME.kql` (a query over the chosen table, with one parameter), `NAME.yaml` (a fresh
GUID, version 1.0.0, an hourly schedule, empty entities) and `NAME.tests.yaml` (one case that fires and one
that must stay quiet), then records the detection in `queries/.lock.json`, so `version check` is green.
The author's next step is the query; the tests say what to change alongside it.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from pathlib import Path

from kqlrules.errors import KqlrulesError
from kqlrules.rules import find_detection, load_repository
from kqlrules.workflow.versions import lock_detection

# A detection's key: an area folder and a file name, both snake_case (the repository's own convention).
KEY = re.compile(r"^(?P<area>[a-z][a-z0-9_]*)/(?P<name>[a-z][a-z0-9_]*)$")


@dataclass(frozen=True)
class Starter:
    """What a new detection over `table` looks for: rows whose `column` is one of `values`."""

    table: str
    column: str
    param: str
    watched: str  # a value the firing case has
    other: str  # a value the quiet case has
    projection: str  # columns the query keeps (the alert's fields)


STARTERS = {
    "SigninLogs": Starter(
        "SigninLogs",
        "UserPrincipalName",
        "watched_users",
        "breakglass@contoso.com",
        "alice@contoso.com",
        "TimeGenerated, UserPrincipalName, IPAddress, AppDisplayName, ResultType",
    ),
    "AuditLogs": Starter(
        "AuditLogs",
        "OperationName",
        "watched_operations",
        "Add member to role",
        "Update user",
        "TimeGenerated, OperationName, Result, CorrelationId",
    ),
    "AzureActivity": Starter(
        "AzureActivity",
        "OperationNameValue",
        "watched_operations",
        "MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/WRITE",
        "MICROSOFT.COMPUTE/VIRTUALMACHINES/START/ACTION",
        "TimeGenerated, OperationNameValue, Caller, ResourceGroup",
    ),
}


def parse_key(key: str) -> tuple[str, str]:
    match = KEY.match(key.strip().removeprefix("queries/").removesuffix(".yaml").removesuffix(".kql"))
    if match is None:
        raise KqlrulesError(
            f"{key!r} is not AREA/NAME",
            hint="snake_case folder and name under queries/, for example identity/breakglass_signin",
        )
    return match["area"], match["name"]


def new_detection(root: Path, key: str, *, table: str = "SigninLogs", title: str | None = None) -> list[Path]:
    """Write the three files of a new detection under `root/queries` and lock it; returns what it wrote."""
    area, name = parse_key(key)
    if table not in STARTERS:
        raise KqlrulesError(f"no starter for table {table!r}", hint=f"one of {', '.join(STARTERS)}")
    starter = STARTERS[table]
    folder = root / "queries" / area
    files = {
        folder / f"{name}.kql": _kql(starter),
        folder / f"{name}.yaml": _yaml(starter, title or name.replace("_", " ").capitalize()),
        folder / f"{name}.tests.yaml": _tests(starter),
    }
    taken = [str(path) for path in files if path.exists()]
    if taken:
        raise KqlrulesError(f"not overwriting existing files: {', '.join(taken)}")
    repository = load_repository(root)
    if any(d.name == name for d in repository.detections):
        raise KqlrulesError(
            f"a detection named {name!r} exists already", hint="names are unique across areas"
        )
    folder.mkdir(parents=True, exist_ok=True)
    for path, text in files.items():
        path.write_text(text, encoding="utf-8")
    detection = find_detection(load_repository(root), f"{area}/{name}")
    return [*files, lock_detection(detection.yaml_path.parents[1], detection)]


def _kql(starter: Starter) -> str:
    return (
        f"// Rows of {starter.table} whose {starter.column} is one of the watched values.\n"
        "// Change the query; then change the two cases in the .tests.yaml beside it to match.\n"
        f"{starter.table}\n"
        "| where TimeGenerated > {{ ago(lookback) }}\n"
        f"| where {starter.column} in~ ({{{{ {starter.param} | kql_list }}}})\n"
        f"| project {starter.projection}\n"
    )


def _yaml(starter: Starter, title: str) -> str:
    return (
        f"id: {uuid.uuid4()}\n"
        f"name: {title}\n"
        "description: |\n"
        f"  What this detection finds and why it matters. Rows of {starter.table} with a watched\n"
        f"  {starter.column}; tune `{starter.param}` per environment in kqlrules.toml.\n"
        "severity: Medium\n"
        "schedule:\n"
        "  frequency: 1h\n"
        "  period: 1h\n"
        "trigger:\n"
        "  operator: gt\n"
        "  threshold: 0\n"
        "tactics: []\n"
        "techniques: []\n"
        f"tables: [{starter.table}]\n"
        "entities: {}\n"
        "alert:\n"
        f'  title: "{title}: {{{{{starter.column}}}}}"\n'
        "params:\n"
        f'  {starter.param}: ["{starter.watched}"]\n'
        "version: 1.0.0\n"
    )


def _tests(starter: Starter) -> str:
    def case(name: str, value: str, expect: str, *, ago: str = "-10m") -> str:
        return (
            f"- name: {name}\n"
            "  now: 2026-01-10T12:00:00Z\n"
            "  tables:\n"
            f"    {starter.table}:\n"
            f'      - {{TimeGenerated: {ago}, {starter.column}: "{value}"}}\n'
            "  expect:\n"
            f"{expect}"
        )

    fires = f'    alerts: 1\n    rows:\n      - {{{starter.column}: "{starter.watched}"}}\n'
    quiet = "    no_alerts: true\n"
    # A firing case and a quiet one; the third pins the time filter (`kqlrules test --mutants`).
    return "\n".join(
        [
            case(f"fires on a watched {starter.column}", starter.watched, fires),
            case(f"stays quiet on any other {starter.column}", starter.other, quiet),
            case("stays quiet on a watched value older than the period", starter.watched, quiet, ago="-3h"),
        ]
    )
