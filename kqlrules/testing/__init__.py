"""kqlrules.testing: detection test cases — the `.tests.yaml` format, fixtures, expectations, the runner on
the local engine or a workspace, mutants, recording with redaction, and the pytest plugin.

```python
plan = plan_tests(Path("."))                       # load the repository and every case, with positions
report = run_plan(plan, LocalBackend(plan.schemas)) # one analyzer, one DuckDB connection, cached translations
for result in report.results: print(result.status, result.id, result.message())
```
"""

from kqlrules.testing.cases import Expectation, TestCase, TestFile, load_test_file
from kqlrules.testing.errors import FixtureError, TestFileError, UnknownDetection
from kqlrules.testing.expectations import Failure
from kqlrules.testing.mutants import Mutant, mutants
from kqlrules.testing.mutation import MutantResult, run_mutants
from kqlrules.testing.redaction import Redactor
from kqlrules.testing.runner import Backend, CaseResult, PreparedQuery, RunReport, TestSession
from kqlrules.testing.session import TestPlan, plan_tests, repository_schemas, run_plan, run_plan_mutants
from kqlrules.testing.times import parse_time
from kqlrules.testing.workspace_backend import RateLimiter, WorkspaceBackend

__all__ = [
    "Backend",
    "CaseResult",
    "Expectation",
    "Failure",
    "FixtureError",
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
    "load_test_file",
    "mutants",
    "parse_time",
    "plan_tests",
    "repository_schemas",
    "run_mutants",
    "run_plan",
    "run_plan_mutants",
]
