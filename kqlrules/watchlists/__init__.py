"""Watchlists: a repository's allow-lists and reference lists, `watchlists/<alias>.csv`.

```python
watchlists = load_watchlists(repo_root)          # every watchlists/*.csv, validated
schemas = resolve_schemas(repo_root)             # already carries them: `_GetWatchlist('alias')` binds
```

Locally (lint, `kqlrules test`, the runner on a local workspace) `_GetWatchlist('alias')` reads the CSV;
`kqlrules deploy` creates the same watchlists in Microsoft Sentinel, where the same call reads them.
"""

from kqlrules.watchlists.files import (
    WATCHLIST_FOLDER,
    Watchlist,
    WatchlistError,
    load_watchlists,
    parse_watchlist,
)
from kqlrules.watchlists.local import RESULT_COLUMNS, watchlist_schemas, watchlist_table

__all__ = [
    "RESULT_COLUMNS",
    "WATCHLIST_FOLDER",
    "Watchlist",
    "WatchlistError",
    "load_watchlists",
    "parse_watchlist",
    "watchlist_schemas",
    "watchlist_table",
]
