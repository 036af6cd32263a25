"""An ingestion-time window in the query: each table the detection reads is narrowed to the rows ingested in
the window, by a `let` that shadows the table on the query's first line:

    let SigninLogs = SigninLogs | where ingestion_time() >= datetime(S) and ingestion_time() < datetime(E);

The query API's `timespan` (the window's look-back on `TimeGenerated`) bounds how far back the service scans.
The tables are the detection's `tables:`, or else the table the query starts with. Sentinel's NRT rules are
limited to one table for the same reason (https://learn.microsoft.com/azure/sentinel/near-real-time-rules).
"""

from __future__ import annotations

import re

from kqlrules.datetimes import format_datetime
from kqlrules.errors import KqlrulesError
from kqlrules.runner.schedule import Window

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_COMMENT = re.compile(r"//[^\n]*")
_LEADING_TABLE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\||$)")
PREFIX_LINES = 1


def ingestion_scoped(kql: str, tables: list[str], window: Window) -> str:
    names = scoped_tables(kql, tables)
    bounds = (
        f"ingestion_time() >= datetime({format_datetime(window.start)})"
        f" and ingestion_time() < datetime({format_datetime(window.end)})"
    )
    return " ".join(f"let {name} = {name} | where {bounds};" for name in names) + "\n" + kql


def scoped_tables(kql: str, tables: list[str]) -> list[str]:
    """The tables an ingestion-time window narrows: the detection's `tables:`, or the query's first."""
    names = tables or _leading_table(kql)
    bad = [name for name in names if not _NAME.match(name)]
    if not names or bad:
        raise KqlrulesError(
            "an ingestion-time (NRT) window needs the tables the query reads",
            hint="list them under `tables:` in the detection's YAML",
        )
    return names


def _leading_table(kql: str) -> list[str]:
    match = _LEADING_TABLE.match(_COMMENT.sub("", kql))
    return [match.group(1)] if match and match.group(1) != "let" else []
