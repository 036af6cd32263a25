"""One analyzer and a small schema set for every lint test; `lint_query` lints a query given as text."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest

from kqlrules.kusto import Analyzer, SchemaSet
from kqlrules.lint import ColumnUse, Finding, LintUnit, identity_origin, lint_unit

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
def lint_query(analyzer: Analyzer, schemas: SchemaSet) -> LintQuery:
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
        return lint_unit(unit, analyzer, schemas)

    return lint


def codes(findings: list[Finding]) -> list[str]:
    return [finding.code for finding in findings]
