"""Test results for machines: JSON, and JUnit XML (one suite per detection) for CI systems."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import Any

from kqlrules.testing.mutation import MutantResult
from kqlrules.testing.runner import CaseResult, RunReport


def summary(report: RunReport) -> dict[str, int]:
    return {status: report.count(status) for status in ("passed", "failed", "error", "skipped")}


def to_json(report: RunReport, mutants: Sequence[MutantResult] | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "engine": report.engine,
        "ok": report.ok and not any(m.status == "survived" for m in mutants or []),
        "duration": round(report.duration, 3),
        "summary": summary(report),
        "results": [_case_json(result) for result in report.results],
    }
    if mutants is not None:
        data["mutants"] = [
            {
                "detection": m.detection,
                "kind": m.mutant.kind,
                "location": str(m.location),
                "description": m.mutant.description,
                "status": m.status,
                "killed_by": m.killed_by,
            }
            for m in mutants
        ]
    return data


def _case_json(result: CaseResult) -> dict[str, Any]:
    return {
        "detection": result.detection,
        "case": result.name,
        "status": result.status,
        "location": str(result.location) if result.location else None,
        "duration": round(result.duration, 4),
        "rows": result.rows,
        "error": result.error,
        "failures": [
            {"message": f.message, "location": str(f.location) if f.location else None, "diff": f.diff}
            for f in result.failures
        ],
    }


def to_junit(report: RunReport, mutants: Sequence[MutantResult] | None = None) -> str:
    suites = ET.Element("testsuites", name="kqlrules", time=f"{report.duration:.3f}")
    by_detection: dict[str, list[CaseResult]] = {}
    for result in report.results:
        by_detection.setdefault(result.detection, []).append(result)
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for detection, results in by_detection.items():
        suite = ET.SubElement(suites, "testsuite", name=detection)
        suite_counts = {
            "tests": len(results),
            "failures": sum(r.status == "failed" for r in results),
            "errors": sum(r.status == "error" for r in results),
            "skipped": sum(r.status == "skipped" for r in results),
        }
        for key, value in suite_counts.items():
            suite.set(key, str(value))
            counts[key] += value
        suite.set("time", f"{sum(r.duration for r in results):.3f}")
        for result in results:
            _testcase(suite, result)
    for key, value in counts.items():
        suites.set(key, str(value))
    survivors = [m for m in mutants or [] if m.status == "survived"]
    if mutants is not None:
        suite = ET.SubElement(suites, "testsuite", name="mutants", tests=str(len(survivors)))
        suite.set("failures", str(len(survivors)))
        for mutant in survivors:
            case = ET.SubElement(
                suite, "testcase", classname=mutant.detection, name=mutant.mutant.description
            )
            failure = ET.SubElement(case, "failure", message="no case kills this mutant")
            failure.text = f"{mutant.location}: {mutant.mutant.description}"
    ET.indent(suites)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def _testcase(suite: ET.Element, result: CaseResult) -> None:
    case = ET.SubElement(
        suite,
        "testcase",
        classname=result.detection.replace("/", "."),
        name=result.name,
        time=f"{result.duration:.4f}",
    )
    if result.location:
        case.set("file", result.location.path)
        if result.location.line:
            case.set("line", str(result.location.line))
    if result.status == "failed":
        failure = ET.SubElement(
            case, "failure", message=result.failures[0].message if result.failures else ""
        )
        failure.text = result.message()
    elif result.status == "error":
        error = ET.SubElement(case, "error", message=(result.error or "").splitlines()[0])
        error.text = result.error
    elif result.status == "skipped":
        ET.SubElement(case, "skipped", message=result.error or "")
