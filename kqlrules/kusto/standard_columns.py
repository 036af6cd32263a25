"""The columns every Log Analytics table has, whatever its own schema says.

Source: "Standard columns in Azure Monitor Logs" (learn.microsoft.com/azure/azure-monitor/logs/
log-standard-columns): `TenantId`, `TimeGenerated`, `_TimeReceived`, `Type`, `_ItemId`, `_ResourceId`,
`_SubscriptionId`, `_IsBillable`, `_BilledSize` are in every workspace table (some hidden from the schema view
and from `*` results, but queryable by name). `SourceSystem` is not on that page but is in the column list of
every table in the Log Analytics table reference (learn.microsoft.com/azure/azure-monitor/reference/tables/,
e.g. the SigninLogs, AuditLogs and OTelTraces pages), as is `Type` ("The name of the table"). Types are the
ones those pages give: `_BilledSize` real, `_IsBillable` string, `_ResourceId`/`_SubscriptionId` string.
"""

from __future__ import annotations

from kqlrules.table import Column

STANDARD_COLUMNS = (
    Column("TenantId", "string"),
    Column("TimeGenerated", "datetime"),
    Column("_TimeReceived", "datetime"),
    Column("Type", "string"),
    Column("_ItemId", "string"),
    Column("_ResourceId", "string"),
    Column("_SubscriptionId", "string"),
    Column("_IsBillable", "string"),
    Column("_BilledSize", "real"),
    Column("SourceSystem", "string"),
)


def with_standard_columns(columns: tuple[Column, ...]) -> tuple[Column, ...]:
    """`columns`, then each standard column the table does not already define (its own type wins)."""
    have = {c.name.lower() for c in columns}
    return (*columns, *(c for c in STANDARD_COLUMNS if c.name.lower() not in have))
