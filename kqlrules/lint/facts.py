"""What lint takes from one query's analysis, kept between runs.

Most of lint's rules depend on the query and the schemas alone (`Rule.query_only`): their hits, the
analyzer's diagnostics and the `ago(...)` lower bounds KQR008 compares with a detection's period are
worked out once from the typed tree and stored in the analysis cache as a few hundred bytes of JSON. An
unchanged query is then neither analyzed nor its tree (tens of kilobytes, thousands of nodes) decoded and
walked again: the rules that read the unit's metadata run on these facts.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

from kqlrules.kusto import Analysis, AnalysisCache, Diagnostic, Node, SchemaSet, contradicts_reference
from kqlrules.lint.rules import RULES, Hit, Lookback, Rule, RuleContext, lookbacks
from kqlrules.lint.unit import LintUnit
from kqlrules.table import Column

# The sources whose change changes the facts (with the analyzer's version and bridge, which the analysis
# cache's own key covers).
_SOURCES = ("lint/facts.py", "lint/rules.py", "kusto/tree.py", "kusto/overrides.py", "timespan.py")
_FORMAT = 2


@dataclass
class QueryFacts:
    analysis: Analysis  # without its tree
    has_tree: bool  # False: the tree could not be read, and no rule runs (the runner says why)
    hits: dict[str, list[Hit]] = field(default_factory=dict)  # query-only rules' hits, by code
    failures: dict[str, str] = field(default_factory=dict)  # a rule that raised: what it raised
    lookbacks: list[Lookback] = field(default_factory=list)
    # For each of the analysis' diagnostics, the names it may have meant (" (did you mean 'X'?)") or "".
    suggestions: list[str] = field(default_factory=list)


def query_facts(unit: LintUnit, analysis: Analysis, schemas: SchemaSet) -> QueryFacts:
    """Run the query-only rules over the analysis' tree (none when the query has syntax errors: their
    findings would be noise beside the parser's)."""
    tree = Node.build(analysis.tree) if analysis.tree is not None else None
    if tree is not None:
        # The analyzer errors the reference contradicts, which the local engine sets aside too.
        kept = [d for d in analysis.diagnostics if not (d.is_error and contradicts_reference(d, tree))]
        analysis = replace(analysis, diagnostics=kept)
    stripped = Analysis(
        analysis.text,
        analysis.diagnostics,
        analysis.result_columns,
        analysis.result_type,
        analysis.tables,
        analysis.functions,
    )
    suggestions = [suggestion(diagnostic, analysis, schemas) for diagnostic in analysis.diagnostics]
    if tree is None:
        return QueryFacts(stripped, has_tree=False, suggestions=suggestions)
    facts = QueryFacts(stripped, has_tree=True, suggestions=suggestions)
    if analysis.syntax_errors:
        return facts
    context = RuleContext(unit, analysis, tree, schemas)
    for rule in _query_only_rules():
        try:
            facts.hits[rule.code] = [hit for hit in rule.check(context) if hit.location is None]
        except Exception as error:  # a bug in one rule must not stop the lint of every other file
            facts.failures[rule.code] = _failure(rule, error)
    try:
        facts.lookbacks = lookbacks(tree)
    except Exception as error:
        facts.failures["KQR008"] = _failure(RULES["KQR008"], error)
    return facts


# KS142: "The name 'X' does not refer to any known column, table, variable or function."
_UNKNOWN_NAME = re.compile(r"^The name '([^']+)' does not refer to any known")


def suggestion(diagnostic: Diagnostic, analysis: Analysis, schemas: SchemaSet) -> str:
    """For an unknown name, the closest columns of the tables the query reads (then tables and functions):
    ` (did you mean 'UserPrincipalName'?)`; empty when nothing is close (difflib's ratio >= 0.6)."""
    match = _UNKNOWN_NAME.match(diagnostic.message)
    if match is None:
        return ""
    columns = {
        column.name
        for table in analysis.tables
        if table in schemas.tables
        for column in schemas.tables[table].columns
    }
    for pool in (columns, set(schemas.tables) | set(schemas.functions)):
        close = difflib.get_close_matches(match.group(1), sorted(pool), n=3)
        if close:
            return " (did you mean " + " or ".join(f"'{name}'" for name in close) + "?)"
    return ""


def _query_only_rules() -> Iterable[Rule]:
    return (rule for rule in RULES.values() if rule.query_only)


def _failure(rule: Rule, error: Exception) -> str:
    return f"internal error in rule {rule.code} ({rule.name}): {error!r}"


# -- the cache ---------------------------------------------------------------------------------------------
def facts_key(cache: AnalysisCache, text: str, schemas: SchemaSet) -> str:
    return facts_keys(cache, schemas)(text)


def facts_keys(cache: AnalysisCache, schemas: SchemaSet) -> Callable[[str], str]:
    """Query text -> its facts' key: the analysis' key, plus lint's own code and the watchlist aliases
    KQR020 checks (the schema fingerprint covers tables and functions, not the watchlists' contents).
    The schemas are hashed once, not once a query."""
    aliases = ",".join(sorted(name.lower() for name in schemas.data))
    fingerprint = schemas.fingerprint()
    version = _lint_version()

    def key(text: str) -> str:
        base = cache.key(text, fingerprint, True)
        return hashlib.sha256(f"{base}\0{version}\0{aliases}".encode()).hexdigest()

    return key


@cache
def _lint_version() -> str:
    digest = hashlib.sha256(str(_FORMAT).encode())
    package = Path(__file__).resolve().parent.parent
    for name in _SOURCES:
        digest.update((package / name).read_bytes())
    return digest.hexdigest()


def encode(facts: QueryFacts) -> str:
    analysis = facts.analysis
    return json.dumps(
        {
            "diagnostics": [
                [d.severity, d.code, d.message, d.start, d.length, d.line, d.col, d.category]
                for d in analysis.diagnostics
            ],
            "result_columns": (
                None
                if analysis.result_columns is None
                else [[column.name, column.type] for column in analysis.result_columns]
            ),
            "result_type": analysis.result_type,
            "tables": analysis.tables,
            "functions": analysis.functions,
            "has_tree": facts.has_tree,
            "hits": {
                code: [[hit.message, hit.start, hit.end] for hit in hits] for code, hits in facts.hits.items()
            },
            "failures": facts.failures,
            "lookbacks": [[item.start, item.end, _microseconds(item.span)] for item in facts.lookbacks],
            "suggestions": facts.suggestions,
        },
        separators=(",", ":"),
    )


def decode(text: str, line: str) -> QueryFacts | None:
    """The facts `encode` wrote for `text`; None when the entry is not readable (it is then recomputed)."""
    try:
        data: dict[str, Any] = json.loads(line)
        columns = data["result_columns"]
        analysis = Analysis(
            text,
            [Diagnostic(*row) for row in data["diagnostics"]],
            None if columns is None else [Column(str(name), str(kind)) for name, kind in columns],
            data["result_type"],
            [str(name) for name in data["tables"]],
            [str(name) for name in data["functions"]],
        )
        facts = QueryFacts(
            analysis,
            bool(data["has_tree"]),
            {
                str(code): [Hit(str(message), int(start), int(end)) for message, start, end in hits]
                for code, hits in data["hits"].items()
            },
            {str(code): str(message) for code, message in data["failures"].items()},
            [
                Lookback(int(start), int(end), timedelta(microseconds=int(us)))
                for start, end, us in data["lookbacks"]
            ],
            [str(text) for text in data["suggestions"]],
        )
    except (ValueError, TypeError, KeyError):
        return None
    if len(facts.suggestions) != len(facts.analysis.diagnostics):
        return None
    return facts


def _microseconds(span: timedelta) -> int:
    return (span.days * 86_400 + span.seconds) * 1_000_000 + span.microseconds
