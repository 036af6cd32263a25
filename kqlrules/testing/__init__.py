"""kqlrules.testing: detection test cases — the `.tests.yaml` format, fixtures, expectations, the runner on
the local engine or a workspace, mutants, recording with redaction, and the pytest plugin.

```python
from kqlrules.testing.local_backend import LocalBackend
plan = plan_tests(Path("."))                       # load the repository and every case, with positions
report = run_plan(plan, LocalBackend(plan.schemas)) # one analyzer, one DuckDB connection, cached translations
for result in report.results: print(result.status, result.id, result.message())
```
"""

# Imported on first use: the pytest plugin lives in this package, and pytest loads it in every project where
# kqlrules is installed, so importing the package must not pull in the loader, the engine or pydantic.
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kqlrules.testing.cases import Expectation, TestCase, TestFile, load_test_file
    from kqlrules.testing.errors import FixtureError, TestFileError, UnknownDetection
    from kqlrules.testing.expectations import Failure
    from kqlrules.testing.local_backend import LocalBackend
    from kqlrules.testing.mutants import Mutant, mutants
    from kqlrules.testing.mutation import MutantResult, run_mutants
    from kqlrules.testing.record import describe, record
    from kqlrules.testing.redaction import Redactor
    from kqlrules.testing.report import summary, to_json, to_junit
    from kqlrules.testing.report_sarif import to_sarif
    from kqlrules.testing.runner import Backend, CaseResult, PreparedQuery, RunReport, TestSession
    from kqlrules.testing.session import TestPlan, plan_tests, repository_schemas, run_plan, run_plan_mutants
    from kqlrules.testing.times import parse_time
    from kqlrules.testing.workspace_backend import RateLimiter, WorkspaceBackend

_HOMES = {
    "LocalBackend": "kqlrules.testing.local_backend",
    "describe": "kqlrules.testing.record",
    "record": "kqlrules.testing.record",
    "summary": "kqlrules.testing.report",
    "to_json": "kqlrules.testing.report",
    "to_junit": "kqlrules.testing.report",
    "to_sarif": "kqlrules.testing.report_sarif",
    "Expectation": "kqlrules.testing.cases",
    "TestCase": "kqlrules.testing.cases",
    "TestFile": "kqlrules.testing.cases",
    "load_test_file": "kqlrules.testing.cases",
    "FixtureError": "kqlrules.testing.errors",
    "TestFileError": "kqlrules.testing.errors",
    "UnknownDetection": "kqlrules.testing.errors",
    "Failure": "kqlrules.testing.expectations",
    "Mutant": "kqlrules.testing.mutants",
    "mutants": "kqlrules.testing.mutants",
    "MutantResult": "kqlrules.testing.mutation",
    "run_mutants": "kqlrules.testing.mutation",
    "Redactor": "kqlrules.testing.redaction",
    "Backend": "kqlrules.testing.runner",
    "CaseResult": "kqlrules.testing.runner",
    "PreparedQuery": "kqlrules.testing.runner",
    "RunReport": "kqlrules.testing.runner",
    "TestSession": "kqlrules.testing.runner",
    "TestPlan": "kqlrules.testing.session",
    "plan_tests": "kqlrules.testing.session",
    "repository_schemas": "kqlrules.testing.session",
    "run_plan": "kqlrules.testing.session",
    "run_plan_mutants": "kqlrules.testing.session",
    "parse_time": "kqlrules.testing.times",
    "RateLimiter": "kqlrules.testing.workspace_backend",
    "WorkspaceBackend": "kqlrules.testing.workspace_backend",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_HOMES[name]), name)


__all__ = [
    "Backend",
    "CaseResult",
    "Expectation",
    "Failure",
    "FixtureError",
    "LocalBackend",
    "Mutant",
    "MutantResult",
    "PreparedQuery",
    "RateLimiter",
    "Redactor",
    "RunReport",
    "TestCase",
    "TestFile",
    "TestFileError",
    "TestPlan",
    "TestSession",
    "UnknownDetection",
    "WorkspaceBackend",
    "describe",
    "load_test_file",
    "mutants",
    "parse_time",
    "plan_tests",
    "record",
    "repository_schemas",
    "run_mutants",
    "run_plan",
    "run_plan_mutants",
    "summary",
    "to_json",
    "to_junit",
    "to_sarif",
]
