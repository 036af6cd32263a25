"""Lint findings as SARIF 2.1.0, the format GitHub code scanning uploads (upload-sarif).

Every rule that produced a result is described in `tool.driver.rules` (id, name, one-line why, default
level); results point at 1-based line/column regions of files relative to the repository root.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kqlrules import __version__
from kqlrules.lint.findings import Finding, Severity
from kqlrules.lint.rules import INVALID_INPUT, RULES, Rule
from kqlrules.lint.runner import LintRun

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_DOCS = "https://github.com/kqlrules/kqlrules/blob/main/docs/lint.md"
_LEVELS = {Severity.error: "error", Severity.warning: "warning", Severity.note: "note"}


def render_sarif(run: LintRun) -> dict[str, Any]:
    descriptors: dict[str, dict[str, Any]] = {}
    results = []
    for finding in run.findings:
        if finding.code not in descriptors:
            descriptors[finding.code] = _descriptor(finding)
        results.append(_result(finding, list(descriptors).index(finding.code)))
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "kqlrules",
                        "version": __version__,
                        "informationUri": _DOCS,
                        "rules": list(descriptors.values()),
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }


def _descriptor(finding: Finding) -> dict[str, Any]:
    rule: Rule | None = RULES.get(finding.code) or (
        INVALID_INPUT if finding.code == INVALID_INPUT.code else None
    )
    if rule is not None:
        name, why, level = rule.name, rule.why, _LEVELS[rule.severity]
    else:  # a diagnostic of Microsoft's analyzer (KS...)
        name, why, level = f"kusto-{finding.code}", "Kusto analyzer diagnostic.", _LEVELS[finding.severity]
    return {
        "id": finding.code,
        "name": name,
        "shortDescription": {"text": why},
        "fullDescription": {"text": why},
        "defaultConfiguration": {"level": level},
        "helpUri": f"{_DOCS}#{finding.code.lower()}",
        "properties": {"tags": ["kql", "analyzer" if finding.source == "analyzer" else "kqlrules"]},
    }


def _result(finding: Finding, index: int) -> dict[str, Any]:
    where = finding.location
    physical: dict[str, Any] = {"artifactLocation": _artifact(where.path)}
    if where.line > 0:
        region: dict[str, Any] = {"startLine": where.line, "startColumn": max(where.col, 1)}
        if finding.end_col is not None:
            region["endColumn"] = finding.end_col
        physical["region"] = region
    return {
        "ruleId": finding.code,
        "ruleIndex": index,
        "level": _LEVELS[finding.severity],
        "message": {"text": finding.message},
        "locations": [{"physicalLocation": physical}],
    }


def _artifact(path: str) -> dict[str, Any]:
    candidate = Path(path)
    if candidate.is_absolute():
        return {"uri": candidate.as_uri()}
    return {"uri": candidate.as_posix(), "uriBaseId": "%SRCROOT%"}
