"""One analyzer and a small schema set for every lint test; `lint_query` lints a query given as text,
three ways that must agree: alone, in a run that stores its facts in the analysis cache, and in a second
run answered from that cache (so every rule's test also checks that caching changes nothing)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from kqlrules.kusto import AnalysisCache, Analyzer, SchemaSet
from kqlrules.lint import ColumnUse, Finding, LintUnit, identity_origin, lint_unit, lint_units

LintQuery = Callable[..., list[Finding]]


@pytest.fixture(autouse=True)
def private_analysis_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with an empty analysis cache: a cached answer would hide the analyzer's behaviour."""
    monkeypatch.setenv("KQLRULES_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture(scope="session")
def analyzer() -> Iterator[Analyzer]:
    with Analyzer() as instance:
        yield instance


@pytest.fixture(scope="session")
def schemas() -> SchemaSet:
    schemas = SchemaSet()
    schemas.add_table(
        "SigninLogs",
        [
            ("TimeGenerated", "datetime"),
            ("UserPrincipalName", "string"),
            ("IPAddress", "string"),
            ("ResultType", "string"),
            ("AppDisplayName", "string"),
        ],
    )
    schemas.add_table(
        "AuditLogs", [("TimeGenerated", "datetime"), ("OperationName", "string"), ("Identity", "string")]
    )
    schemas.add_table("Watch", [("Value", "string")])
    return schemas


@pytest.fixture
def lint_query(analyzer: Analyzer, schemas: SchemaSet, tmp_path: Path) -> LintQuery:
    def lint(
        text: str,
        *,
        period: timedelta | None = None,
        columns: list[str] = (),  # type: ignore[assignment]
        disabled: frozenset[str] = frozenset(),
        tables: tuple[str, ...] | None = None,
    ) -> list[Finding]:
        uses = [
            ColumnUse(name, f"entity Account.{name}", identity_origin("q.yaml")(1, 1)) for name in columns
        ]
        unit = LintUnit(
            "q.kql",
            text,
            identity_origin("q.kql"),
            period=period,
            column_uses=uses,
            disabled=disabled,
            declared_tables=tables,
            tables_location=identity_origin("q.yaml")(14, 9) if tables is not None else None,
        )
        alone = lint_unit(unit, analyzer, schemas)
        cache = AnalysisCache(Path(tempfile.mkdtemp(dir=tmp_path)))
        stored = lint_units([unit], analyzer, schemas, cache=cache).findings
        answered = lint_units([unit], analyzer, schemas, cache=cache).findings
        # What the analyzer could not analyze is not stored (KQR000): it is tried again next time.
        assert cache.hits == 1 or "KQR000" in codes(stored), "the second run reads the cache"
        assert stored == sorted(alone, key=Finding.sort_key) and answered == stored
        return alone

    return lint


def codes(findings: list[Finding]) -> list[str]:
    return [finding.code for finding in findings]
