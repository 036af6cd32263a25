"""Running cases: render the detection with the case's params, build its tables, query, check `expect`.

One `TestSession` per run: it keeps one backend (one local engine and its DuckDB connection, or one
workspace client), the shared analyzer, and caches the rendered query of each (detection, params) pair.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal, Protocol

from kqlrules.errors import KqlrulesError, Location
from kqlrules.kusto import Analyzer, SchemaSet, shared_analyzer
from kqlrules.rules import LineMap, LoadedDetection, shown
from kqlrules.table import Table
from kqlrules.testing.cases import TestCase
from kqlrules.testing.collect import DetectionTests
from kqlrules.testing.errors import FixtureError
from kqlrules.testing.expectations import Failure, check
from kqlrules.testing.fixtures import FixtureLoader

# The engine reports positions in the query it was given as this path.
RENDERED_QUERY = "<query>"
Status = Literal["passed", "failed", "error", "skipped"]


@dataclass(frozen=True)
class PreparedQuery:
    """A detection rendered for one set of params, and the tables it reads."""

    text: str
    tables: tuple[str, ...]
    line_map: LineMap | None = None


class Backend(Protocol):
    """Where cases run: the local engine, or a Log Analytics workspace."""

    name: str
    parallel: int

    def run(
        self,
        query: PreparedQuery,
        tables: dict[str, Table],
        now: datetime,
        externaldata: Mapping[str, Path | None] | None = None,
    ) -> Table: ...


@dataclass
class CaseResult:
    detection: str
    name: str
    status: Status
    location: Location | None
    failures: list[Failure] = field(default_factory=list)
    error: str | None = None
    duration: float = 0.0
    rows: int | None = None

    @property
    def ok(self) -> bool:
        return self.status in ("passed", "skipped")

    @property
    def id(self) -> str:
        return f"{self.detection}::{self.name}"

    def message(self) -> str:
        if self.error:
            return self.error
        return "\n".join(str(failure) for failure in self.failures)


@dataclass
class RunReport:
    results: list[CaseResult]
    duration: float
    engine: str

    def count(self, status: Status) -> int:
        return sum(1 for result in self.results if result.status == status)

    @property
    def ok(self) -> bool:
        return all(result.ok for result in self.results)


class TestSession:
    __test__ = False  # not a pytest test class, despite its name

    def __init__(self, schemas: SchemaSet, backend: Backend, *, analyzer: Analyzer | None = None) -> None:
        self.schemas = schemas
        self.backend = backend
        self.analyzer = analyzer or shared_analyzer()
        self.fixtures = FixtureLoader(schemas)
        self._prepared: dict[tuple[str, str], PreparedQuery] = {}
        self._read: dict[str, tuple[str, ...]] = {}

    def prepare(self, detection: LoadedDetection, case: TestCase) -> PreparedQuery:
        key = (detection.key, json.dumps(case.params, sort_keys=True, default=str))
        if key not in self._prepared:
            rendered = detection.render(case.params)
            self._prepared[key] = PreparedQuery(
                rendered.text, self.tables_read(rendered.text), rendered.line_map
            )
        return self._prepared[key]

    def tables_read(self, text: str) -> tuple[str, ...]:
        if text not in self._read:
            self._read[text] = tuple(self.analyzer.analyze(text, self.schemas).tables)
        return self._read[text]

    def run_case(
        self, detection: LoadedDetection, case: TestCase, query: PreparedQuery | None = None
    ) -> CaseResult:
        started = time.perf_counter()
        result = CaseResult(detection.key, case.name, "passed", case.location)
        if case.skip:
            result.status = "skipped"
            result.error = case.skip
            return result
        prepared: PreparedQuery | None = None
        try:
            prepared = query or self.prepare(detection, case)
            tables = self.fixtures.tables_for(case, prepared.tables)
            output = self.backend.run(prepared, tables, case.now, case.externaldata)
        except FixtureError as error:
            result.status, result.error = "error", str(error)  # it names the case already
        except KqlrulesError as error:
            result.status, result.error = "error", f"{case.where()}: {_in_template(error, prepared)}"
        except Exception as error:  # a bug below us fails this case, not the whole run
            result.status = "error"
            result.error = (
                f"{case.where()}: internal error in the {self.backend.name} engine: "
                + (f"{type(error).__name__}: {error}".splitlines()[0])
            )
        else:
            result.rows = len(output)
            result.failures = check(case.expect, output, detection.meta.trigger, case)
            if result.failures:
                result.status = "failed"
        result.duration = time.perf_counter() - started
        return result

    def run(
        self,
        collected: Sequence[DetectionTests],
        *,
        on_result: Callable[[CaseResult], None] | None = None,
    ) -> list[CaseResult]:
        jobs = [(item.detection, case) for item in collected if item.file for case in item.file.cases]
        results: list[CaseResult] = []

        def finish(result: CaseResult) -> None:
            results.append(result)
            if on_result:
                on_result(result)

        if self.backend.parallel <= 1:
            for detection, case in jobs:
                finish(self.run_case(detection, case))
            return results
        # Render and analyze up front: the analyzer is one process, the workspace takes several queries.
        for detection, case in jobs:
            with contextlib.suppress(KqlrulesError):  # run_case reports it
                self.prepare(detection, case)
        with ThreadPoolExecutor(max_workers=self.backend.parallel) as pool:
            for result in pool.map(lambda job: self.run_case(*job), jobs):
                finish(result)
        return results


def _in_template(error: KqlrulesError, prepared: PreparedQuery | None) -> str:
    """An error at a line of the rendered query, told at its place in the template."""
    where = error.location
    if where is None or where.path != RENDERED_QUERY or prepared is None or prepared.line_map is None:
        return str(error)
    moved = KqlrulesError(
        error.message, prepared.line_map.to_template(where.line, where.col), hint=error.hint
    )
    return str(moved)


def coverage_problems(collected: Iterable[DetectionTests], min_cases: int) -> list[CaseResult]:
    """A detection needs `min_cases` cases that fire and as many that must not; 0 turns this off."""
    problems: list[CaseResult] = []
    if min_cases <= 0:
        return problems
    for item in collected:
        cases = item.file.cases if item.file else []
        firing = sum(1 for case in cases if case.expect.expects_alerts)
        silent = sum(1 for case in cases if case.expect.expects_silence)
        missing = []
        if firing < min_cases:
            missing.append(f"{min_cases} case(s) that fire (has {firing})")
        if silent < min_cases:
            missing.append(f"{min_cases} case(s) that must not fire (has {silent})")
        if missing:
            where = Location.of(shown(item.file.path)) if item.file else item.detection.location()
            problems.append(
                CaseResult(
                    item.key,
                    "(coverage)",
                    "failed",
                    where,
                    [Failure(f"{item.key} needs " + " and ".join(missing), where)],
                )
            )
    return problems
