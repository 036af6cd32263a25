"""`kqlrules test --mutants`: run a detection's cases on each mutant of its query; report the survivors.

Mutants are made from the query each case actually runs (cases with different params render different
KQL), and identified by the place in the template they change, so one mutant seen by several param sets is
reported once: killed if any case of any param set fails on it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from kqlrules.errors import Location
from kqlrules.rules import shown
from kqlrules.testing.cases import TestCase
from kqlrules.testing.collect import DetectionTests
from kqlrules.testing.mutants import KINDS, Mutant, location_of, mutants
from kqlrules.testing.runner import PreparedQuery, TestSession

MutantStatus = Literal["killed", "survived", "invalid", "equivalent"]


@dataclass
class MutantResult:
    detection: str
    mutant: Mutant
    location: Location
    status: MutantStatus
    killed_by: str | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.mutant.kind, str(self.location), self.mutant.description)


def run_mutants(
    session: TestSession,
    item: DetectionTests,
    *,
    kinds: Sequence[str] = KINDS,
    on_result: Callable[[MutantResult], None] | None = None,
) -> list[MutantResult]:
    if item.file is None:
        return []
    detection = item.detection
    groups: dict[str, list[TestCase]] = {}
    for case in item.file.cases:
        if not case.skip:
            groups.setdefault(json.dumps(case.params, sort_keys=True, default=str), []).append(case)
    results: dict[tuple[str, str, str], MutantResult] = {}
    for cases in groups.values():
        prepared = session.prepare(detection, cases[0])
        analysis = session.analyzer.analyze(prepared.text, session.schemas, tree=True)
        if analysis.tree is None or analysis.errors:
            continue
        for mutant in mutants(prepared.text, analysis.tree):
            if mutant.kind not in kinds:
                continue
            where = location_of(mutant, prepared.text, prepared.line_map, shown(detection.kql_path))
            result = MutantResult(detection.key, mutant, where, "survived")
            previous = results.get(result.key)
            if previous is not None and previous.status == "killed":
                continue
            mutated = mutant.apply(prepared.text)
            if session.analyzer.analyze(mutated, session.schemas).errors:
                result.status = "invalid"
                results.setdefault(result.key, result)
                continue
            query = PreparedQuery(mutated, prepared.tables, prepared.line_map)
            for case in cases:
                if not session.run_case(detection, case, query).ok:
                    result.status, result.killed_by = "killed", case.name
                    break
            if previous is None or previous.status != "survived" or result.status == "killed":
                results[result.key] = result
    equivalent = {entry.description: entry.reason for entry in item.file.equivalent_mutants}
    for result in results.values():
        if result.status == "survived" and result.mutant.description in equivalent:
            result.status, result.killed_by = "equivalent", equivalent[result.mutant.description]
    ordered = sorted(results.values(), key=lambda r: (r.location, r.mutant.kind, r.mutant.description))
    if on_result:
        for result in ordered:
            on_result(result)
    return ordered
