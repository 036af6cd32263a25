"""The Watchlists section of docs/authoring.md: its CSV and its query do what the text says."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from kqlrules.engine import LocalEngine
from kqlrules.kusto import resolve_schemas, shared_analyzer
from kqlrules.table import Column, Table

DOC = Path(__file__).resolve().parents[2] / "docs" / "authoring.md"


def blocks(language: str) -> list[str]:
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("## Watchlists") :]
    section = section[: section.index("\n## ", 3)]
    return re.findall(rf"```{language}\n(.*?)```", section, flags=re.S)


def test_the_documented_watchlist_and_query_find_the_break_glass_sign_in(tmp_path: Path) -> None:
    (csv_text,) = blocks("csv")
    (yaml_text,) = blocks("yaml")
    (kql,) = blocks("kusto")
    (tmp_path / "watchlists").mkdir()
    (tmp_path / "watchlists" / "breakglass_accounts.csv").write_text(csv_text)
    (tmp_path / "watchlists" / "breakglass_accounts.yaml").write_text(yaml_text)
    schemas = resolve_schemas(tmp_path)
    assert not shared_analyzer().analyze(kql, schemas).errors
    now = datetime(2024, 5, 1, 12, tzinfo=UTC)
    signins = Table(
        [
            Column("TimeGenerated", "datetime"),
            Column("UserPrincipalName", "string"),
            Column("IPAddress", "string"),
            Column("AppDisplayName", "string"),
        ],
        [
            [now, "BreakGlass01@contoso.com", "203.0.113.7", "Azure Portal"],
            [now, "alice@contoso.com", "198.51.100.1", "Azure Portal"],
        ],
    )
    result = LocalEngine({"SigninLogs": signins}, schemas).query(kql, now=now)
    assert [row[1] for row in result.rows] == ["BreakGlass01@contoso.com"]
    inverted = kql.replace(" in~ ", " !in~ ")
    assert [
        row[1] for row in LocalEngine({"SigninLogs": signins}, schemas).query(inverted, now=now).rows
    ] == ["alice@contoso.com"]


def test_a_test_case_can_replace_a_watchlist(tmp_path: Path) -> None:
    (csv_text,) = blocks("csv")
    (kql,) = blocks("kusto")
    (tmp_path / "watchlists").mkdir()
    (tmp_path / "watchlists" / "breakglass_accounts.csv").write_text(csv_text)
    schemas = resolve_schemas(tmp_path)
    schema = schemas.tables["breakglass_accounts"]
    replacement = Table(
        list(schema.columns), [[None, None, "alice@contoso.com", {}, "alice@contoso.com", "", ""]]
    )
    now = datetime(2024, 5, 1, 12, tzinfo=UTC)
    signins = Table(
        [
            Column("TimeGenerated", "datetime"),
            Column("UserPrincipalName", "string"),
            Column("IPAddress", "string"),
            Column("AppDisplayName", "string"),
        ],
        [[now, "alice@contoso.com", "198.51.100.1", "Azure Portal"]],
    )
    engine = LocalEngine({"SigninLogs": signins, "breakglass_accounts": replacement}, schemas)
    assert len(engine.query(kql, now=now).rows) == 1
