"""Lint every Sentinel rule of the reference corpus that reads only bundled tables, against the bundled
schemas alone: an "unknown name" error (KS142) must never be about a column the real table has.

"The real table" is what Microsoft's Sentinel CI validates against (`../shared/schemas/tables`), plus the
standard columns every Log Analytics table has. Run as a script to print the count:

    .venv/bin/python -m tests.lint.test_corpus_columns
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from kqlrules.kusto import Analyzer, SchemaSet, shared_analyzer
from kqlrules.kusto.standard_columns import STANDARD_COLUMNS
from kqlrules.lint import file_unit, lint_units

# A whole-corpus sweep: the second step of `make test` (see the Makefile).
pytestmark = pytest.mark.sweep

_UNKNOWN_NAME = re.compile(r"The name '([^']+)' does not refer to any known")


@dataclass
class CorpusColumns:
    rules: int  # rules linted (every table they read is bundled)
    unknown: Counter[str]  # KS142 names, all of them
    real: list[str]  # KS142 findings about a column the real table has: must be none


def lint_corpus(shared: Path, analyzer: Analyzer) -> CorpusColumns:
    root = shared / "corpus" / "sentinel-rules"
    bundled = SchemaSet.builtin()
    reference = SchemaSet.load(shared / "schemas" / "tables")
    known = set(bundled.tables) | set(bundled.functions)
    chosen: dict[Path, list[str]] = {}
    with (root / "INDEX.tsv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            tables = [t.strip() for t in row["tables"].split(",") if t.strip()]
            if tables and all(t in known for t in tables):
                chosen[root / row["path"]] = tables
    run = lint_units((file_unit(path) for path in chosen), analyzer, bundled)
    unknown: Counter[str] = Counter()
    real = []
    tables_of = {str(path): tables for path, tables in chosen.items()}
    for finding in run.findings:
        match = _UNKNOWN_NAME.search(finding.message) if finding.code == "KS142" else None
        if match is None:
            continue
        name = match[1]
        unknown[name] += 1
        tables = tables_of.get(finding.location.path, [])
        has = {c.name for t in tables if t in reference.tables for c in reference.tables[t].columns}
        if name in has or name in {c.name for c in STANDARD_COLUMNS}:
            real.append(f"{finding.location}: {name}")
    return CorpusColumns(len(chosen), unknown, real)


@pytest.fixture(scope="module")
def corpus(shared_dir: Path, analyzer: Analyzer) -> CorpusColumns:
    return lint_corpus(shared_dir, analyzer)


def test_most_of_the_corpus_reads_only_bundled_tables(corpus: CorpusColumns) -> None:
    assert corpus.rules > 900


def test_no_unknown_column_error_is_about_a_column_the_real_table_has(corpus: CorpusColumns) -> None:
    assert corpus.real == []


if __name__ == "__main__":
    from tests.conftest import shared_folder

    folder = shared_folder()
    assert folder is not None, "no ../shared"
    result = lint_corpus(folder, shared_analyzer())
    print(f"rules linted: {result.rules}")
    print(f"KS142 unknown-name errors: {sum(result.unknown.values())}")
    print(f"  of them about a column the real table has: {len(result.real)}")
    for name, count in result.unknown.most_common(15):
        print(f"  {count:4} {name}")
