"""Lint findings as JSON: one object per finding, and a summary."""

from __future__ import annotations

from typing import Any

from kqlrules.lint.findings import counts
from kqlrules.lint.runner import LintRun


def render_json(run: LintRun) -> dict[str, Any]:
    return {
        "findings": [
            {
                "path": finding.location.path,
                "line": finding.location.line,
                "col": finding.location.col,
                "end_col": finding.end_col,
                "severity": finding.severity.value,
                "code": finding.code,
                "message": finding.message,
                "source": finding.source,
            }
            for finding in run.findings
        ],
        "summary": {"files": run.units, "queries": run.queries, **counts(run.findings)},
    }
