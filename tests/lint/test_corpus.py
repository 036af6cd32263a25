"""The 1,063 real Sentinel rules of the reference corpus: every one lints without a crash, and the syntax
errors lint reports are exactly the analyzer's parser's own, at the YAML file's own line:col."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from kqlrules.kusto import Analyzer, SchemaSet
from kqlrules.lint import LintRun, file_unit, lint_units

# A whole-corpus sweep: the second step of `make test` (see the Makefile).
pytestmark = pytest.mark.sweep


@pytest.fixture(scope="module")
def corpus(shared_dir: Path) -> list[Path]:
    root = shared_dir / "corpus" / "sentinel-rules"
    with (root / "INDEX.tsv").open(encoding="utf-8") as handle:
        return [root / row["path"] for row in csv.DictReader(handle, delimiter="\t")]


@pytest.fixture(scope="module")
def corpus_run(corpus: list[Path], shared_dir: Path, analyzer: Analyzer) -> LintRun:
    schemas = SchemaSet.load(shared_dir / "schemas" / "tables", shared_dir / "schemas" / "functions")
    return lint_units((file_unit(path) for path in corpus), analyzer, schemas)


def test_every_rule_of_the_corpus_lints_without_a_crash(corpus: list[Path], corpus_run: LintRun) -> None:
    assert len(corpus) == 1063 and corpus_run.units == 1063
    assert corpus_run.queries == 1063 - 8  # 8 "moved" stubs
    assert not [f for f in corpus_run.findings if "internal error" in f.message]


def test_every_rule_is_readable_as_sentinel_reads_it(corpus_run: LintRun) -> None:
    # SecurityServiceRegistryACLModification.yaml indents a block line deeper than its first: YAML 1.2
    # parsers refuse it, Sentinel's PyYAML-compatible tooling (and kqlrules) read it.
    assert [finding for finding in corpus_run.findings if finding.code == "KQR000"] == []


def test_syntax_findings_equal_the_analyzers_own(
    corpus: list[Path], corpus_run: LintRun, analyzer: Analyzer
) -> None:
    expected = set()
    for path in corpus:
        unit = file_unit(path)
        if unit.text is None:
            continue
        for diagnostic in analyzer.syntax_diagnostics(unit.text):
            where = unit.origin(diagnostic.line, diagnostic.col)
            expected.add((where.path, where.line, where.col, diagnostic.code, diagnostic.message))
    parser_codes = {code for *_, code, _ in expected}
    reported = {
        (f.location.path, f.location.line, f.location.col, f.code, f.message)
        for f in corpus_run.findings
        if f.source == "analyzer" and f.code in parser_codes
    }
    assert expected and reported == expected
