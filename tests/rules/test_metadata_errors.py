"""Every way a detection's YAML can be wrong is reported as `path:line:col: message`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from kqlrules.rules import load_repository
from tests.rules.conftest import GOOD_YAML

YAML_PATH = "queries/identity/example.yaml"


def problems(root: Path) -> list[str]:
    return [str(problem) for problem in load_repository(root).problems]


def with_lines(*lines: str) -> str:
    return "\n".join(lines) + "\n"


BASE = [
    "id: 4d1c5f7e-0f6a-4c1e-9b8e-2f1d3c4b5a69",
    "name: Example detection",
    "severity: High",
    "schedule:",
    "  frequency: 1h",
    "  period: 1h",
]


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (
            [*BASE, "sevrity: Low"],
            "7:1: unknown key 'sevrity' (did you mean 'severity'?)",
        ),
        (
            ["id: not-a-guid", *BASE[1:]],
            "1:5: id: id must be a GUID such as 4d1c5f7e-0f6a-4c1e-9b8e-2f1d3c4b5a69",
        ),
        (
            [BASE[0], BASE[1], "severity: Critical", *BASE[3:]],
            "3:11: severity: Input should be 'Informational', 'Low', 'Medium' or 'High'",
        ),
        (
            [*BASE[:4], "  frequency: 30s", "  period: 1h"],
            "5:14: schedule.frequency: frequency must be between 1m and 14d",
        ),
        (
            [*BASE[:4], "  frequency: 1h", "  period: 15d"],
            "6:11: schedule.period: period must be between 1m and 14d",
        ),
        (
            [*BASE[:4], "  frequency: 1h", "  period: 30m"],
            "6:11: schedule.period: period must be at least frequency (each run must look at its whole "
            "interval)",
        ),
        (
            [*BASE[:4], "  frequency: 30m", "  period: 2d"],
            "5:14: schedule.frequency: frequency must be at least 1h when period is 2d or more",
        ),
        (
            [*BASE[:4], "  frequency: soon", "  period: 1h"],
            "5:14: schedule.frequency: not a timespan: 'soon' (write it as KQL does: 30s, 5m, 1h, 14d)",
        ),
        (
            [*BASE, "trigger:", "  operator: gt", "  threshold: 10001"],
            "9:14: trigger.threshold: Input should be less than or equal to 10000",
        ),
        (
            [*BASE, "trigger:", "  operator: ge"],
            "8:13: trigger.operator: Input should be 'gt', 'lt', 'eq' or 'ne'",
        ),
        (
            [*BASE, "techniques: [T1078, TA0001]"],
            "7:21: techniques[1]: technique 'TA0001' is not an ATT&CK id such as T1078 or T1078.004",
        ),
        (
            [*BASE, "tactics:", "  - InitialAccess", "  - Initial Access"],
            "9:5: tactics[1]: unknown tactic 'Initial Access'; one of: Reconnaissance, ResourceDevelopment, "
            "InitialAccess, Execution, Persistence, PrivilegeEscalation, DefenseEvasion, CredentialAccess, "
            "Discovery, LateralMovement, Collection, CommandAndControl, Exfiltration, Impact, "
            "ImpairProcessControl, InhibitResponseFunction, PreAttack",
        ),
        (
            [*BASE, "alert:", "  title: 'Sign-in by {{User Name}}'"],
            "8:10: alert.title: placeholder {{User Name}} must name one result column, such as {{Account}}",
        ),
        (
            [*BASE, "version: '1.0'"],
            "7:10: version: version must be semver, such as 1.0.0",
        ),
        (
            [*BASE[:2], *BASE[3:]],
            "1:1: missing required key 'severity'",
        ),
    ],
)
def test_bad_metadata_is_reported_at_its_place(
    repo: Path, detection: Callable[..., None], lines: list[str], expected: str
) -> None:
    detection(yaml=with_lines(*lines))
    assert problems(repo) == [f"{YAML_PATH}:{expected}"]


def test_more_than_ten_entity_mappings(repo: Path, detection: Callable[..., None]) -> None:
    kinds = ["Account", "IP", "Host", "URL", "DNS", "File", "Malware", "AzureResource", "FileHash", "Process"]
    entities = ["entities:", *[f"  {kind}: Col{n}" for n, kind in enumerate([*kinds, "CloudApplication"])]]
    detection(yaml=with_lines(*BASE, *entities))
    assert problems(repo) == [f"{YAML_PATH}:8:3: entities: 11 entity mappings; at most 10 (Sentinel's limit)"]


def test_entity_mapping_of_more_than_three_fields(repo: Path, detection: Callable[..., None]) -> None:
    account = ["entities:", "  Account:", *[f"    Field{n}: Col{n}" for n in range(4)]]
    detection(yaml=with_lines(*BASE, *account))
    assert problems(repo) == [
        f"{YAML_PATH}:9:5: entities.Account: Account maps 4 fields; an entity maps 1 to 3"
    ]


def test_more_than_twenty_custom_details(repo: Path, detection: Callable[..., None]) -> None:
    details = ["custom_details:", *[f"  Detail{n}: Col{n}" for n in range(21)]]
    detection(yaml=with_lines(*BASE, *details))
    assert problems(repo) == [
        f"{YAML_PATH}:8:3: custom_details: 21 custom details; at most 20 (Sentinel's limit)"
    ]


def test_broken_yaml_names_the_line_and_column(repo: Path, detection: Callable[..., None]) -> None:
    detection(yaml=with_lines(*BASE, "tactics: [InitialAccess", "tags: []"))
    assert problems(repo) == [
        f"{YAML_PATH}:8:5: invalid YAML: while parsing a flow sequence: expected ',' or ']', but got ':'"
    ]


def test_a_duplicated_key_is_broken_yaml(repo: Path, detection: Callable[..., None]) -> None:
    detection(yaml=with_lines(*BASE, "severity: Low"))
    [message] = problems(repo)
    assert message.startswith(f"{YAML_PATH}:7:1: invalid YAML: ")
    assert 'duplicate key "severity"' in message


def test_an_empty_file_is_not_a_detection(repo: Path, detection: Callable[..., None]) -> None:
    detection(yaml="")
    assert problems(repo) == [
        f"{YAML_PATH}:1:1: expected a mapping of detection fields (id, name, severity, ...), "
        "found an empty file"
    ]


def test_a_typo_in_a_nested_key_says_which_and_where(repo: Path, detection: Callable[..., None]) -> None:
    detection(yaml=with_lines(*BASE[:5], "  perod: 1h"))
    assert problems(repo) == [
        f"{YAML_PATH}:5:3: missing required key 'schedule.period'",
        f"{YAML_PATH}:6:3: unknown key 'schedule.perod' (did you mean 'period'?)",
    ]


def test_every_problem_of_one_file_is_listed(repo: Path, detection: Callable[..., None]) -> None:
    detection(yaml=with_lines("id: nope", "name: x", "severity: Huge", *BASE[3:], "colour: red"))
    assert [message.split(": ", 1)[0] for message in problems(repo)] == [
        f"{YAML_PATH}:1:5",
        f"{YAML_PATH}:3:11",
        f"{YAML_PATH}:7:1",
    ]


def test_a_good_file_has_no_problems(repo: Path, detection: Callable[..., None]) -> None:
    detection(yaml=GOOD_YAML)
    assert problems(repo) == []
