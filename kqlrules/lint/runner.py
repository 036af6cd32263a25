"""Lint one unit: analyze its query once (typed tree included, without the user functions' expanded
bodies, which no rule reads), turn the analyzer's diagnostics and each rule's hits into findings at the
user's file:line:col, then drop what the user disabled.

With an analysis cache, what a query's analysis gives lint (`QueryFacts`) is stored; an unchanged query is
then linted from them without the analyzer (which is not even started when every query is unchanged)."""

from __future__ import annotations

import re
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace

from kqlrules.errors import KqlrulesError, Location
from kqlrules.kusto import (
    Analysis,
    AnalysisCache,
    Analyzer,
    AnalyzerMissing,
    LineIndex,
    SchemaSet,
    TreeTooDeep,
)
from kqlrules.lint import facts as stored
from kqlrules.lint.facts import QueryFacts, query_facts
from kqlrules.lint.findings import Finding, Severity
from kqlrules.lint.provenance import UNKNOWN_NAME, UNKNOWN_TABLE, unknown_name_hint
from kqlrules.lint.rules import INVALID_INPUT, RULES, Hit, Rule, RuleContext
from kqlrules.lint.unit import LintUnit
from kqlrules.rules import MAX_QUERY_LENGTH

# Rule queries are limited to 10,000 characters; anything 10x that is not a query to lint but a mistake, and
# would keep the analyzer busy for minutes.
MAX_LINT_CHARS = 100_000
_ANALYZER_SEVERITIES = {"Error": Severity.error, "Warning": Severity.warning}
# `// kqlrules: disable=KQR003,KQR007` silences those codes on its line; alone on a line, on the next too.
_DIRECTIVE = re.compile(r"//\s*kqlrules:\s*disable\s*=\s*([A-Za-z0-9_, ]+)")


def lint_unit(unit: LintUnit, analyzer: Analyzer, schemas: SchemaSet) -> list[Finding]:
    """Lint one unit on its own (`lint_units` keeps the analyzer's workers busy for many)."""
    if unit.text is None:
        return list(unit.problems)
    refusal = _refusal(unit)
    if refusal is not None:
        return [*unit.problems, refusal]
    try:
        outcome: Analysis | KqlrulesError = analyzer.analyze(unit.text, schemas, tree=True, expansions=False)
    except AnalyzerMissing:
        raise
    except KqlrulesError as error:
        outcome = error
    return _findings(unit, outcome, analyzer, schemas)


def _refusal(unit: LintUnit) -> Finding | None:
    assert unit.text is not None
    if len(unit.text) <= MAX_LINT_CHARS:
        return None
    message = (
        f"the query is {len(unit.text):,} characters; kqlrules lints at most {MAX_LINT_CHARS:,} "
        f"(a Sentinel or Azure Monitor rule's query may have at most {MAX_QUERY_LENGTH:,})"
    )
    return Finding(INVALID_INPUT.code, Severity.error, message, _where(unit))


def _where(unit: LintUnit) -> Location:
    return unit.anchor or unit.origin(1, 1)


def _findings(
    unit: LintUnit,
    outcome: Analysis | KqlrulesError,
    analyzer: Analyzer,
    schemas: SchemaSet,
    keep: Callable[[QueryFacts], None] | None = None,
) -> list[Finding]:
    findings = list(unit.problems)
    assert unit.text is not None
    if isinstance(outcome, TreeTooDeep):
        # The analyzer's own diagnostics still count; only kqlrules' rules need the tree.
        findings.append(Finding(INVALID_INPUT.code, Severity.warning, outcome.message, _where(unit)))
        try:
            outcome = analyzer.analyze(unit.text, schemas, tree=False)
        except KqlrulesError as error:
            outcome = error
    if isinstance(outcome, AnalyzerMissing):
        raise outcome  # nothing can be linted: one clear message, not one per file
    if isinstance(outcome, KqlrulesError):
        message = outcome.message + (f" ({outcome.hint})" if outcome.hint else "")
        return [*findings, Finding(INVALID_INPUT.code, Severity.error, message, _where(unit))]
    facts = query_facts(unit, outcome, schemas)
    if keep is not None and facts.has_tree:
        keep(facts)
    return findings + _query_findings(unit, facts, schemas)


def _query_findings(unit: LintUnit, facts: QueryFacts, schemas: SchemaSet) -> list[Finding]:
    analysis = facts.analysis
    text = analysis.text
    index = LineIndex(text)
    place = _Placer(unit, index, len(text))
    found: list[tuple[Finding, int | None]] = []
    explained: set[int] = set()
    has_syntax_errors = bool(analysis.syntax_errors)
    if facts.has_tree:
        context = RuleContext(unit, analysis, None, schemas, facts.lookbacks)
        for rule in RULES.values():
            if rule.code in unit.disabled or (has_syntax_errors and rule.code != "KQR006"):
                continue
            for hit in _rule_hits(rule, context, facts):
                found.append(place.finding(rule, hit))
                if rule.explains_analyzer_error:
                    explained.add(hit.start)
    for diagnostic, suggestion in zip(analysis.diagnostics, facts.suggestions, strict=True):
        severity = _ANALYZER_SEVERITIES.get(diagnostic.severity)
        if severity is None or diagnostic.start in explained:
            continue
        message = diagnostic.message + suggestion
        if diagnostic.code in (UNKNOWN_NAME, UNKNOWN_TABLE):
            message += unknown_name_hint(diagnostic.code, analysis.tables, schemas)
        hit = Hit(message, diagnostic.start, diagnostic.start + diagnostic.length)
        finding, line = place.at(diagnostic.code, severity, hit)
        found.append((replace(finding, source="analyzer"), line))
    silenced = _disabled_lines(text)
    return [
        finding
        for finding, line in found
        if finding.code not in unit.disabled and finding.code not in silenced.get(line or 0, ())
    ]


def _rule_hits(rule: Rule, context: RuleContext, facts: QueryFacts) -> Iterable[Hit]:
    where = context.unit.anchor
    if rule.code in facts.failures:
        return [Hit(facts.failures[rule.code], location=where)]
    if rule.query_only:
        return facts.hits.get(rule.code, [])
    try:
        return list(rule.check(context))
    except Exception as error:  # a bug in one rule must not stop the lint of every other file
        return [Hit(f"internal error in rule {rule.code} ({rule.name}): {error!r}", location=where)]


class _Placer:
    """Spans of the rendered query -> findings at the user's file:line:col (and the rendered line)."""

    def __init__(self, unit: LintUnit, index: LineIndex, size: int) -> None:
        self.unit = unit
        self.index = index
        self.size = size

    def finding(self, rule: Rule, hit: Hit) -> tuple[Finding, int | None]:
        return self.at(rule.code, rule.severity, hit)

    def at(self, code: str, severity: Severity, hit: Hit) -> tuple[Finding, int | None]:
        if hit.location is not None:
            return Finding(code, severity, hit.message, hit.location), None
        start = min(max(hit.start, 0), self.size)
        line, col = self.index.position(start)
        location = self.unit.origin(line, col)
        end_col = None
        end_line, end_column = self.index.position(min(max(hit.end, start), self.size))
        if end_line == line and hit.end > start:
            end = self.unit.origin(end_line, end_column)
            if end.path == location.path and end.line == location.line and end.col > location.col:
                end_col = end.col
        return Finding(code, severity, hit.message, location, end_col), line


def _disabled_lines(text: str) -> dict[int, set[str]]:
    disabled: dict[int, set[str]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        match = _DIRECTIVE.search(line)
        if match is None:
            continue
        codes = {code.strip().upper() for code in match.group(1).split(",") if code.strip()}
        disabled.setdefault(number, set()).update(codes)
        if line.strip().startswith("//"):
            disabled.setdefault(number + 1, set()).update(codes)
    return disabled


def invalid_input(message: str, where: Location) -> Finding:
    return Finding(INVALID_INPUT.code, Severity.error, message, where)


@dataclass
class LintRun:
    """Every unit's findings, and where the time went."""

    findings: list[Finding] = field(default_factory=list)
    units: int = 0
    queries: int = 0
    seconds: float = 0.0
    analyzer_seconds: float = 0.0  # wall time spent waiting for the analyzer

    def errors(self, *, warnings_as_errors: bool = False) -> list[Finding]:
        failing = {Severity.error, Severity.warning} if warnings_as_errors else {Severity.error}
        return [finding for finding in self.findings if finding.severity in failing]


def lint_units(
    units: Iterable[LintUnit],
    analyzer: Analyzer,
    schemas: SchemaSet,
    *,
    cache: AnalysisCache | None = None,
) -> LintRun:
    """Lint every unit; units are read lazily so reading files overlaps the analyzer's work. With a `cache`,
    a query whose facts are stored is linted from them and never sent to the analyzer."""
    run = LintRun()
    began = time.perf_counter()
    own = 0.0  # time kqlrules spends outside the analyzer: reading units, rules, findings
    waiting: deque[tuple[LintUnit, str | None]] = deque()
    keys = stored.facts_keys(cache, schemas) if cache is not None else None

    def texts() -> Iterator[str]:
        nonlocal own
        source = iter(units)
        while True:
            started = time.perf_counter()
            unit = next(source, None)
            if unit is None:
                own += time.perf_counter() - started
                return
            run.units += 1
            refusal = _refusal(unit) if unit.text is not None else None
            if unit.text is None or refusal is not None:
                run.findings.extend([*unit.problems, *([refusal] if refusal else [])])
                own += time.perf_counter() - started
                continue
            run.queries += 1
            key = keys(unit.text) if keys is not None else None
            line = cache.get(key) if cache is not None and key is not None else None
            known = stored.decode(unit.text, line) if line is not None else None
            if known is not None:
                run.findings.extend([*unit.problems, *_query_findings(unit, known, schemas)])
                own += time.perf_counter() - started
                continue
            waiting.append((unit, key))
            own += time.perf_counter() - started
            yield unit.text

    # Lint's rules read the query's own nodes, never the expanded bodies of the functions it calls.
    for outcome in analyzer.analyze_many(texts(), schemas, tree=True, expansions=False):
        started = time.perf_counter()
        unit, key = waiting.popleft()
        keep = None
        if cache is not None and key is not None:
            keep = _keeper(cache, key)
        run.findings.extend(_findings(unit, outcome, analyzer, schemas, keep))
        own += time.perf_counter() - started
    run.seconds = time.perf_counter() - began
    run.analyzer_seconds = max(run.seconds - own, 0.0)
    run.findings.sort(key=Finding.sort_key)
    return run


def _keeper(cache: AnalysisCache, key: str) -> Callable[[QueryFacts], None]:
    return lambda facts: cache.put(key, stored.encode(facts))
