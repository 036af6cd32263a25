"""One test run from start to end: load the repository, collect the cases, run them, and (optionally)
their mutants. The CLI and the pytest plugin both go through here."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from kqlrules.errors import KqlrulesError
from kqlrules.kusto import SchemaSet, with_watchlists
from kqlrules.rules import Repository, load_repository
from kqlrules.testing.collect import DetectionTests, collect, orphan_test_files, select_detections
from kqlrules.testing.mutation import MutantResult, run_mutants
from kqlrules.testing.runner import Backend, CaseResult, RunReport, TestSession, coverage_problems

REPO_SCHEMA_FOLDER = "schemas"


def repository_schemas(root: Path, extra: Sequence[Path] = ()) -> SchemaSet:
    """The built-in schemas, then the repository's `schemas/`, then each extra folder (later wins)."""
    schemas = SchemaSet.builtin()
    folders = [root / REPO_SCHEMA_FOLDER] if (root / REPO_SCHEMA_FOLDER).is_dir() else []
    for folder in [*folders, *extra]:
        schemas = schemas.merged(SchemaSet.load(folder))
    return with_watchlists(schemas, root)


@dataclass
class TestPlan:
    """What a run covers: the repository, the chosen detections with their cases, the schemas."""

    __test__ = False

    repo: Repository
    schemas: SchemaSet
    items: list[DetectionTests]
    problems: list[KqlrulesError] = field(default_factory=list)

    @property
    def case_count(self) -> int:
        return sum(len(item.file.cases) for item in self.items if item.file)


def plan_tests(
    root: Path,
    names: Sequence[str] = (),
    *,
    env: str | None = None,
    schema_folders: Sequence[Path] = (),
    now: datetime | None = None,
) -> TestPlan:
    repo = load_repository(root, env=env)
    detections = select_detections(repo, names)
    items = collect(detections, default_now=now or datetime.now(UTC).replace(microsecond=0))
    # A detection that does not load has no cases to run: say why, rather than skip it silently.
    problems = [] if names else [*repo.problems, *orphan_test_files(repo)]
    return TestPlan(repo, repository_schemas(root, schema_folders), items, problems)


def run_plan(
    plan: TestPlan,
    backend: Backend,
    *,
    min_cases: int = 1,
    on_result: Callable[[CaseResult], None] | None = None,
) -> RunReport:
    started = time.perf_counter()
    session = TestSession(plan.schemas, backend)
    results = session.run(plan.items, on_result=on_result)
    results.extend(coverage_problems(plan.items, min_cases))
    results.extend(_load_problems(plan.problems))
    return RunReport(results, time.perf_counter() - started, backend.name)


def _load_problems(problems: Sequence[KqlrulesError]) -> list[CaseResult]:
    """What kept detections or test files from loading, as errors every report format shows."""
    return [
        CaseResult(
            problem.location.path if problem.location else "(repository)",
            "(load)",
            "error",
            problem.location,
            error=str(problem),
        )
        for problem in problems
    ]


def run_plan_mutants(
    plan: TestPlan,
    backend: Backend,
    report: RunReport,
    *,
    on_result: Callable[[MutantResult], None] | None = None,
) -> list[MutantResult]:
    """Mutants of each detection whose cases all pass (a failing detection's mutants say nothing)."""
    failing = {result.detection for result in report.results if not result.ok}
    session = TestSession(plan.schemas, backend)
    found: list[MutantResult] = []
    for item in plan.items:
        if item.file and item.file.cases and item.key not in failing:
            found.extend(run_mutants(session, item, on_result=on_result))
    return found
