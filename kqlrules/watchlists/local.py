"""`_GetWatchlist('alias')` on the local engine and for the analyzer.

Sentinel's `_GetWatchlist` returns one row per item: `_DTItemId`, `LastUpdatedTimeUTC`, `SearchKey` (the value
of the watchlist's search-key column), `WatchlistItem` (the item as a property bag), then each column of the
watchlist by name ("The SearchKey is shown as its own column", learn.microsoft.com/azure/sentinel/
watchlists-queries). Locally each watchlist becomes a table named by its alias holding exactly those columns,
and `_GetWatchlist` is declared with the body `table(watchlist)`: Microsoft's analyzer binds the body at each
call site with the literal alias, so `_GetWatchlist('breakglass_accounts') | project UserPrincipalName` is
typed against that watchlist's columns, and an unknown alias is a lint error.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from kqlrules.kusto import FunctionSchema, Parameter, SchemaSet
from kqlrules.table import Column, Table
from kqlrules.watchlists.files import Watchlist

RESULT_COLUMNS = (
    Column("_DTItemId", "string"),
    Column("LastUpdatedTimeUTC", "datetime"),
    Column("SearchKey", "string"),
    Column("WatchlistItem", "dynamic"),
)
# The parameter's name in Sentinel CI's function schema (Azure-Sentinel .script/tests/KqlvalidationsTests/
# CustomFunctions/watchlistFunctionSchema.json).
PARAMETER = "watchlist"
_ITEM_IDS = uuid.UUID("6b1e3f0a-8c55-4d0e-9a57-7f0c2b8e4d11")  # namespace for stable local item ids


def watchlist_table(watchlist: Watchlist) -> Table:
    """The rows `_GetWatchlist(alias)` returns; the watchlist's own columns are strings, as uploaded."""
    columns = [*RESULT_COLUMNS, *(Column(name, "string") for name in watchlist.columns)]
    key = watchlist.columns.index(watchlist.search_key)
    rows = [
        [
            str(uuid.uuid5(_ITEM_IDS, f"{watchlist.alias}\n{index}\n{row[key]}")),
            watchlist.updated,
            row[key],
            dict(zip(watchlist.columns, row, strict=True)),
            *row,
        ]
        for index, row in enumerate(watchlist.rows)
    ]
    return Table(columns, rows)


def watchlist_schemas(watchlists: Mapping[str, Watchlist]) -> SchemaSet:
    """The tables and the two functions that make `_GetWatchlist` / `_GetWatchlistAlias` read `watchlists`;
    the tables carry their rows (`SchemaSet.data`) so that every local engine over these schemas has them."""
    schemas = SchemaSet()
    for alias, watchlist in watchlists.items():
        table = watchlist_table(watchlist)
        schemas.add_table(alias, [(c.name, c.type) for c in table.columns])
        schemas.data[alias] = table
    if watchlists:
        schemas.functions["_GetWatchlist"] = FunctionSchema(
            "_GetWatchlist", (Parameter(PARAMETER, "string", required=True),), body=f"table({PARAMETER})"
        )
    aliases = ", ".join(_string_literal(alias) for alias in sorted(watchlists))
    schemas.functions["_GetWatchlistAlias"] = FunctionSchema(
        "_GetWatchlistAlias", body=f"datatable(WatchlistAlias:string)[{aliases}]"
    )
    return schemas


def _string_literal(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"
