"""Reading `watchlists/<alias>.csv` (and its optional `watchlists/<alias>.yaml`).

The CSV is what Sentinel's watchlist upload takes (`rawContent` with `contentType: text/csv`, Watchlists.json
of Microsoft.SecurityInsights 2025-09-01): a header row naming the columns, then one item a row. One column is
the watchlist's search key (`itemsSearchKey`): the first column, unless the YAML names another.

    watchlists/breakglass_accounts.csv     UserPrincipalName,ObjectId,Owner
                                           bg-admin-1@contoso.com,5b2c...,Identity team
    watchlists/breakglass_accounts.yaml    display_name: Break-glass accounts       (all keys optional)
                                           description: Emergency access accounts, excluded from ...
                                           search_key: UserPrincipalName
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kqlrules.errors import KqlrulesError, Location

WATCHLIST_FOLDER = "watchlists"
# The alias is the name `_GetWatchlist('alias')` takes and the last segment of the watchlist's ARM id.
_ALIAS = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
# Columns `_GetWatchlist` adds itself (see kqlrules.watchlists.local): a CSV column may not take their names.
RESERVED_COLUMNS = ("_DTItemId", "LastUpdatedTimeUTC", "SearchKey", "WatchlistItem")
_SIDE_KEYS = {"display_name", "description", "search_key", "provider"}
# Sentinel takes a watchlist inline (rawContent) up to 3.8 MB; bigger ones go through Azure Storage
# (learn.microsoft.com/azure/sentinel/watchlists-create: "upload a watchlist file ... up to 3.8 MB").
MAX_RAW_CONTENT = 3_800_000


class WatchlistError(KqlrulesError):
    """A watchlist file is malformed."""


@dataclass(frozen=True)
class Watchlist:
    alias: str
    path: Path
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    search_key: str
    display_name: str
    description: str = ""
    provider: str = "kqlrules"
    updated: datetime = datetime(1970, 1, 1, tzinfo=UTC)

    def items(self) -> list[dict[str, str]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def raw_content(self) -> str:
        """The CSV as uploaded: header then rows, normalised (quoting, line ends) so that a plan compares
        content rather than formatting."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(self.columns)
        writer.writerows(self.rows)
        return out.getvalue()


def load_watchlists(root: Path) -> dict[str, Watchlist]:
    """Every `<root>/watchlists/*.csv` by alias; none when the folder is absent."""
    folder = root / WATCHLIST_FOLDER
    if not folder.is_dir():
        return {}
    watchlists: dict[str, Watchlist] = {}
    seen: dict[str, Path] = {}
    for path in sorted(folder.glob("*.csv")):
        watchlist = parse_watchlist(path)
        key = watchlist.alias.lower()
        if key in seen:
            # Sentinel's aliases are case-insensitive ARM names: two files would deploy to one watchlist.
            raise WatchlistError(
                f"watchlist alias {watchlist.alias} differs only in case from {seen[key].name}",
                Location.of(path),
            )
        seen[key] = path
        watchlists[watchlist.alias] = watchlist
    return watchlists


def parse_watchlist(path: Path) -> Watchlist:
    alias = path.stem
    if not _ALIAS.match(alias):
        raise WatchlistError(
            f"watchlist file name {path.name!r} is not a usable alias",
            Location.of(path),
            hint="name it <alias>.csv: letters, digits, '_' or '-', at most 64, not starting with '_' or '-'",
        )
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise WatchlistError(f"not UTF-8 text: {error.reason}", Location.of(path)) from None
    if len(text.encode("utf-8")) > MAX_RAW_CONTENT:
        raise WatchlistError(
            f"the watchlist is larger than Sentinel's inline upload limit ({MAX_RAW_CONTENT:,} bytes)",
            Location.of(path),
        )
    records = _records(text, path)
    if not records:
        raise WatchlistError("empty watchlist: the first row must name the columns", Location.of(path, 1, 1))
    header_line, header = records[0]
    columns = tuple(cell.strip() for cell in header)
    _check_header(columns, path, header_line)
    rows = []
    for line, cells in records[1:]:
        if len(cells) != len(columns):
            raise WatchlistError(
                f"row has {len(cells)} cells, the header names {len(columns)} columns",
                Location.of(path, line, 1),
            )
        rows.append(tuple(cells))
    side = _side_file(path.with_suffix(".yaml"))
    search_key = str(side.get("search_key") or columns[0])
    if search_key not in columns:
        raise WatchlistError(
            f"search_key {search_key!r} is not a column of {path.name} ({', '.join(columns)})",
            Location.of(path.with_suffix(".yaml")),
        )
    updated = datetime.fromtimestamp(int(path.stat().st_mtime), UTC)
    return Watchlist(
        alias=alias,
        path=path,
        columns=columns,
        rows=tuple(rows),
        search_key=search_key,
        display_name=str(side.get("display_name") or alias),
        description=str(side.get("description") or ""),
        provider=str(side.get("provider") or "kqlrules"),
        updated=updated,
    )


def _records(text: str, path: Path) -> list[tuple[int, list[str]]]:
    """Non-blank CSV records with the line each starts on."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[tuple[int, list[str]]] = []
    line = reader.line_num + 1
    try:
        for cells in reader:
            if cells and any(cell.strip() for cell in cells):
                records.append((line, cells))
            line = reader.line_num + 1
    except csv.Error as error:
        raise WatchlistError(f"invalid CSV: {error}", Location.of(path, reader.line_num or 1, 1)) from None
    return records


def _check_header(columns: tuple[str, ...], path: Path, line: int) -> None:
    seen: set[str] = set()
    for index, name in enumerate(columns, start=1):
        where = Location.of(path, line, 1)
        if not name:
            raise WatchlistError(f"column {index} of the header has no name", where)
        if name in RESERVED_COLUMNS:
            raise WatchlistError(
                f"column name {name} is reserved: _GetWatchlist adds it to every watchlist", where
            )
        if name.lower() in seen:
            raise WatchlistError(f"column {name} appears twice in the header", where)
        seen.add(name.lower())


def _side_file(path: Path) -> Mapping[str, Any]:
    if not path.is_file():
        return {}
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    from kqlrules.yaml_bounds import bounded

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise WatchlistError(f"cannot read file: {error}", Location.of(path)) from None
    bounded(text, lambda message, line, col: WatchlistError(message, Location.of(path, line, col)))
    try:
        data = YAML(typ="safe").load(text)
    except YAMLError as error:
        raise WatchlistError(f"invalid YAML: {error}", Location.of(path)) from None
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise WatchlistError("a watchlist's YAML must be a mapping", Location.of(path, 1, 1))
    unknown = sorted(set(map(str, data)) - _SIDE_KEYS)
    if unknown:
        raise WatchlistError(
            f"unknown key {unknown[0]!r}", Location.of(path), hint=f"allowed: {', '.join(sorted(_SIDE_KEYS))}"
        )
    return data
