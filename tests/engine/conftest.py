"""One engine over a small SigninLogs-like table, shared by the engine's tests."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kqlrules.engine import LocalEngine
from kqlrules.table import Column, Table

NOW = datetime(2024, 1, 3, tzinfo=UTC)


def signins() -> Table:
    columns = [
        Column("TimeGenerated", "datetime"),
        Column("UserPrincipalName", "string"),
        Column("ResultType", "long"),
        Column("Props", "dynamic"),
    ]
    rows = [
        [datetime(2024, 1, 1, 10, 0, tzinfo=UTC), "alice@contoso.com", 0, {"app": "Teams", "n": [1, 2]}],
        [datetime(2024, 1, 1, 10, 30, tzinfo=UTC), "bob@contoso.com", 50126, {"app": "Outlook"}],
        [datetime(2024, 1, 2, 9, 0, tzinfo=UTC), "alice@contoso.com", 50126, None],
        [datetime(2024, 1, 2, 23, 0, tzinfo=UTC), "Alice@Contoso.com", None, {"app": "teams"}],
    ]
    return Table(columns, rows)


@pytest.fixture(scope="session")
def engine() -> LocalEngine:
    return LocalEngine({"SigninLogs": signins()})
