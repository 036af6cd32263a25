"""Test results as SARIF 2.1.0, so a failing case shows up where lint findings do (GitHub code scanning).

One result per failed or erroring case (at the expectation's `file:line:col` in `<name>.tests.yaml`, or the
case's own line) and per surviving mutant (at the query's line). Passing cases are not results: SARIF
reports problems. Shape: the SARIF 2.1.0 OASIS standard, as `kqlrules.lint.report.sarif` writes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kqlrules import __version__
from kqlrules.errors import Location
from kqlrules.testing.mutation import MutantResult
from kqlrules.testing.runner import RunReport

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_DOCS = "https://github.com/kqlrules/kqlrules/blob/main/docs/testing.md"
RULES = {
    "test-failed": "A test case's expectation is not met.",
    "test-error": "A test case could not run (its query, fixtures or engine failed).",
    "mutant-survived": "A change to the query that no test case notices.",
}


def to_sarif(report: RunReport, mutants: Sequence[MutantResult] | None = None) -> dict[str, Any]:
    results: list[dict[str, Any]] = []
    for case in report.results:
        if case.status == "failed":
            for failure in case.failures or []:
                where = failure.location or case.location
                results.append(_result("test-failed", "error", f"{case.id}: {failure.message}", where))
        elif case.status == "error":
            results.append(_result("test-error", "error", f"{case.id}: {case.error}", case.location))
    for mutant in mutants or []:
        if mutant.status == "survived":
            text = f"{mutant.detection}: no case kills this mutant: {mutant.mutant.description}"
            results.append(_result("mutant-survived", "warning", text, mutant.location))
    driver = {
        "name": "kqlrules",
        "version": __version__,
        "informationUri": _DOCS,
        "rules": [
            {"id": rule, "name": rule, "shortDescription": {"text": why}, "helpUri": _DOCS}
            for rule, why in RULES.items()
        ],
    }
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{"tool": {"driver": driver}, "columnKind": "unicodeCodePoints", "results": results}],
    }


def _result(rule: str, level: str, text: str, where: Location | None) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": rule,
        "ruleIndex": list(RULES).index(rule),
        "level": level,
        "message": {"text": text},
    }
    if where is not None:
        physical: dict[str, Any] = {"artifactLocation": _artifact(where.path)}
        if where.line > 0:
            physical["region"] = {"startLine": where.line, "startColumn": max(where.col, 1)}
        result["locations"] = [{"physicalLocation": physical}]
    return result


def _artifact(path: str) -> dict[str, Any]:
    candidate = Path(path)
    if candidate.is_absolute():
        return {"uri": candidate.as_uri()}
    return {"uri": candidate.as_posix(), "uriBaseId": "%SRCROOT%"}
