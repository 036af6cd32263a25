"""Azure Monitor log search alert rules (`Microsoft.Insights/scheduledQueryRules` 2023-12-01).

Sources, cited rule by rule below:
- [Learn] azure-monitor/alerts/alerts-create-log-alert-rule ("Frequency of evaluation ... from one minute to
  one day"; the one-minute frequency's unsupported operations; "The alert time range is limited to a maximum
  of two days"; "The combined size of all data in the properties ... can't exceed 64 KB");
- [swagger] monitor 2023-12-01 scheduledQueryRule_API.json, and the 2018-04-16 Schedule ("timeWindowInMinutes
  ... should be greater than or equal to frequencyInMinutes").
"""

from __future__ import annotations

import json
import re
from datetime import timedelta

from kqlrules.deploy.contracts.violation import ContractViolation, Keys, QueryFacts
from kqlrules.rules import Detection
from kqlrules.timespan import format_timespan

TARGET = "monitor"
# [Learn] the evaluation frequencies the service offers, one minute to one day.
FREQUENCIES = tuple(timedelta(minutes=m) for m in (1, 5, 10, 15, 30, 45, 60, 120, 180, 240, 300, 360, 1440))
MAX_WINDOW = timedelta(days=2)
ONE_MINUTE = timedelta(minutes=1)
# [Learn] a one-minute rule's query is rewritten by the service; these make it fail.
ONE_MINUTE_OPERATORS = ("search", "union", "take")
ONE_MINUTE_FUNCTIONS = ("ingestion_time", "adx")
MAX_PROPERTIES_BYTES = 64 * 1024
OPERATORS = ("gt", "lt", "eq")
# The resource id of a Log Analytics workspace, the only scope kqlrules deploys to.
WORKSPACE_ID = re.compile(
    r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.OperationalInsights/workspaces/[^/]+$",
    re.IGNORECASE,
)


def check(detection: Detection, query: str, facts: QueryFacts) -> list[ContractViolation]:
    found: list[ContractViolation] = []

    def add(rule: str, message: str, keys: Keys, hint: str = "") -> None:
        found.append(ContractViolation(TARGET, rule, message, keys, hint))

    d = detection
    frequency, window = d.schedule.frequency, d.schedule.period
    if d.trigger.operator not in OPERATORS:
        add(
            "trigger-operator",
            f"trigger operator {d.trigger.operator!r} has no Azure Monitor equivalent (gt, lt, eq)",
            ("trigger", "operator"),
        )
    if frequency not in FREQUENCIES:
        allowed = ", ".join(format_timespan(f) for f in FREQUENCIES)
        add(
            "frequency",
            f"frequency {format_timespan(frequency)} is not one of Monitor's: {allowed}",
            ("schedule", "frequency"),
        )
    if window > MAX_WINDOW:
        add(
            "window",
            f"period {format_timespan(window)} exceeds Monitor's window of 2d",
            ("schedule", "period"),
        )
    if window < frequency:
        add(
            "window-frequency",
            "period must be at least the frequency (each evaluation reads its whole interval)",
            ("schedule", "period"),
        )
    if frequency == ONE_MINUTE:
        used = sorted(facts.operators & set(ONE_MINUTE_OPERATORS)) + [
            f"{name}()" for name in sorted(facts.functions & set(ONE_MINUTE_FUNCTIONS))
        ]
        if used:
            add(
                "one-minute-query",
                f"a 1-minute Monitor rule's query cannot use {', '.join(used)}",
                ("query",),
                "evaluate every 5m, or drop those operators",
            )
    if not query.strip():
        add("query-empty", "the query is empty", ("query",))
    for error in facts.syntax_errors:
        add("query-syntax", f"the query does not parse: {error}", ("query",))
    size = len(json.dumps({"query": query, "description": d.description, "displayName": d.name}).encode())
    if size > MAX_PROPERTIES_BYTES:
        add(
            "size",
            f"the rule's properties are {size} bytes; Monitor's limit is {MAX_PROPERTIES_BYTES}",
            ("query",),
        )
    return found


def environment_violations(workspace_id: str, location: str) -> list[ContractViolation]:
    """Where a Monitor rule goes: its scope must be a workspace, its location an Azure region."""
    from kqlrules.deploy.contracts.regions import is_region

    found = []
    if not WORKSPACE_ID.match(workspace_id):
        found.append(
            ContractViolation(TARGET, "scope", f"scope {workspace_id!r} is not a Log Analytics workspace id")
        )
    if not is_region(location):
        found.append(
            ContractViolation(
                TARGET,
                "location",
                f"location {location!r} is not an Azure region",
                hint="use the region's name, such as westeurope",
            )
        )
    return found
