"""The repository's watchlists (`watchlists/<alias>.csv`) in Microsoft Sentinel, planned and applied like
rules: create, update (field by field, item by item), delete with `--prune`.

API: `Microsoft.SecurityInsights/watchlists` and `.../watchlists/{alias}/watchlistItems`, at the api-version
`kqlrules.deploy.api_versions.WATCHLISTS` (Watchlists.json, Azure/azure-rest-api-specs, stable 2025-09-01):
- a watchlist is created with its items in one PUT (`rawContent` CSV, `contentType: text/csv`);
  `displayName`, `provider` and `itemsSearchKey` are required;
- an existing one is updated in place: its properties by a PUT without `rawContent`, its items one by one
  (PUT `watchlistItems/{id}` with `itemsKeyValue`, DELETE the ones the CSV no longer has), because a PUT
  of `rawContent` to an existing watchlist only adds items;
- the search key of an existing watchlist is not changed in place: the plan says so and leaves it.

Ownership: a watchlist carries the label `kqlrules-repository=<repository>`; `--prune` deletes only those.
"""

from __future__ import annotations

import builtins
import csv
import io
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from azure.core.credentials import TokenCredential
from azure.core.rest import HttpRequest

from kqlrules.deploy.api_versions import WATCHLISTS
from kqlrules.deploy.arm import ArmError, LiveRule, SentinelStore
from kqlrules.deploy.environment import Environment, require_explicit_repository
from kqlrules.deploy.normalise import Json
from kqlrules.deploy.plan import Action, Change, Plan, diff
from kqlrules.watchlists import Watchlist, load_watchlists

TARGET = "watchlist"
RESOURCE_TYPE = "Microsoft.SecurityInsights/watchlists"
LABEL_PREFIX = "kqlrules-repository="
_ITEM_IDS = uuid.UUID("2f6c1b9e-4d3a-4e8f-9c71-5b0a8d2e6f13")


def watchlist_body(watchlist: Watchlist, repository: str) -> Json:
    """The PUT body that creates the watchlist with its items."""
    return {
        "properties": {
            "displayName": watchlist.display_name,
            "provider": watchlist.provider,
            "source": watchlist.path.name,
            "description": watchlist.description,
            "itemsSearchKey": watchlist.search_key,
            "labels": [f"{LABEL_PREFIX}{repository}"],
            "contentType": "text/csv",
            "numberOfLinesToSkip": 0,
            "rawContent": watchlist.raw_content(),
        }
    }


def comparable(body: Json, items: list[dict[str, str]]) -> Json:
    """What a plan compares: the properties we set (not the raw CSV) and the items, order-free."""
    props = body.get("properties") or {}
    keys = ("displayName", "provider", "description", "itemsSearchKey", "labels")
    rows = sorted(_item_text(item) for item in items)
    return {
        "properties": {k: props.get(k) for k in keys if props.get(k) not in (None, "", [])},
        "items": rows,
    }


def owner(body: Json) -> str | None:
    for label in (body.get("properties") or {}).get("labels") or []:
        if isinstance(label, str) and label.startswith(LABEL_PREFIX):
            return label[len(LABEL_PREFIX) :]
    return None


@dataclass(frozen=True)
class LiveWatchlist:
    alias: str
    body: Json
    items: list[dict[str, str]]

    @property
    def etag(self) -> str | None:
        etag = self.body.get("etag")
        return str(etag) if etag else None


class WatchlistStore(SentinelStore):
    """Watchlists of one Sentinel workspace, with the same client, credential and api-version as rules."""

    def __init__(self, environment: Environment, credential: TokenCredential, **client_options: Any):
        super().__init__(environment, credential, **client_options)
        self._base = f"{environment.workspace_id}/providers/{RESOURCE_TYPE}"

    def _url(self, name: str = "", version: str = WATCHLISTS) -> str:
        return super()._url(name, version)

    def watchlists(self) -> builtins.list[LiveWatchlist]:
        live = []
        for body in self._all(self._url(), "listing Sentinel watchlists"):
            alias = str((body.get("properties") or {}).get("watchlistAlias") or body.get("name"))
            items = [
                dict((item.get("properties") or {}).get("itemsKeyValue") or {})
                for item in self._all(self._url(f"{alias}/watchlistItems"), f"listing items of {alias}")
            ]
            live.append(LiveWatchlist(alias, body, items))
        return live

    def list(self) -> builtins.list[LiveRule]:
        return [LiveRule(TARGET, w.alias, w.body) for w in self.watchlists()]

    def put(self, name: str, body: Json, *, create: bool, etag: str | None) -> LiveRule:
        headers = {"Content-Type": "application/json"}
        if create:
            request = HttpRequest(
                "PUT", self._url(name), headers={**headers, "If-None-Match": "*"}, json=body
            )
            response = self._send(request, f"watchlist {name}", (200, 201))
            return LiveRule(TARGET, name, response.json())
        properties = {k: v for k, v in body["properties"].items() if k not in _CONTENT_KEYS}
        update: Json = {"properties": properties, **({"etag": etag} if etag else {})}
        request = HttpRequest("PUT", self._url(name), headers=headers, json=update)
        response = self._send(request, f"watchlist {name}", (200, 201))
        self._sync_items(name, _rows(body["properties"]["rawContent"]))
        return LiveRule(TARGET, name, response.json())

    def delete(self, name: str, *, etag: str | None) -> None:
        headers = {"If-Match": etag} if etag else {}
        self._send(
            HttpRequest("DELETE", self._url(name), headers=headers), f"watchlist {name}", (200, 202, 204)
        )

    def _sync_items(self, alias: str, wanted: builtins.list[dict[str, str]]) -> None:
        url = self._url(f"{alias}/watchlistItems")
        live = {
            _item_text(dict((i.get("properties") or {}).get("itemsKeyValue") or {})): str(i.get("name"))
            for i in self._all(url, f"listing items of {alias}")
        }
        want = {_item_text(row): row for row in wanted}
        for text, item_id in sorted(live.items()):
            if text not in want:
                path = self._url(f"{alias}/watchlistItems/{quote(item_id)}")
                self._send(HttpRequest("DELETE", path), f"watchlist {alias} item {item_id}", (200, 204))
        for text, row in sorted(want.items()):
            if text in live:
                continue
            item_id = str(uuid.uuid5(_ITEM_IDS, f"{alias}\n{text}"))
            body = {"properties": {"itemsKeyValue": row}}
            path = self._url(f"{alias}/watchlistItems/{item_id}")
            request = HttpRequest("PUT", path, headers={"Content-Type": "application/json"}, json=body)
            self._send(request, f"watchlist {alias} item {item_id}", (200, 201))

    def _all(self, url: str | None, what: str) -> builtins.list[Json]:
        found: builtins.list[Json] = []
        while url:
            page = self._send(HttpRequest("GET", url), what, (200,)).json()
            found.extend(page.get("value", []))
            url = page.get("nextLink")
        return found


_CONTENT_KEYS = ("rawContent", "contentType", "numberOfLinesToSkip")


def plan_watchlists(
    watchlists: Mapping[str, Watchlist],
    live: list[LiveWatchlist],
    repository: str,
    *,
    prune: bool = False,
) -> list[Change]:
    """The changes that make the workspace's watchlists match the repository's."""
    changes: list[Change] = []
    by_alias = {w.alias.lower(): w for w in live}
    for alias, watchlist in sorted(watchlists.items()):
        body = watchlist_body(watchlist, repository)
        wanted = comparable(body, watchlist.items())
        current = by_alias.get(alias.lower())
        title = watchlist.display_name
        if current is None:
            changes.append(Change(Action.create, TARGET, alias, title, body, fields=diff({}, wanted)))
            continue
        theirs = owner(current.body)
        if theirs != repository:
            reason = f"owned by repository {theirs!r}" if theirs else "not created by kqlrules"
            changes.append(
                Change(Action.blocked, TARGET, alias, title, reason=f"{reason}, not {repository!r}")
            )
            continue
        fields = diff(comparable(current.body, current.items), wanted)
        key_before = (current.body.get("properties") or {}).get("itemsSearchKey")
        if fields and key_before != watchlist.search_key:
            reason = (
                f"the search key changed from {key_before} to {watchlist.search_key}; Sentinel keeps a "
                "watchlist's search key: delete the watchlist in Sentinel (or rename the file) to recreate it"
            )
            changes.append(Change(Action.blocked, TARGET, alias, title, fields=fields, reason=reason))
            continue
        action = Action.update if fields else Action.noop
        changes.append(Change(action, TARGET, alias, title, body, current.etag, fields))
    if prune:
        for key, current in sorted(by_alias.items()):
            if key in {a.lower() for a in watchlists} or owner(current.body) != repository:
                continue
            title = str((current.body.get("properties") or {}).get("displayName") or current.alias)
            fields = diff(comparable(current.body, current.items), {})
            changes.append(
                Change(Action.delete, TARGET, current.alias, title, etag=current.etag, fields=fields)
            )
    return changes


def add_watchlists(
    plan: Plan,
    stores: dict[str, Any],
    environment: Environment,
    root: Path,
    credential: TokenCredential,
    *,
    prune: bool = False,
) -> None:
    """Add the repository's watchlists to a deploy plan (Sentinel environments only) and their store to
    `stores`, so that `apply_plan` carries them out with the rules."""
    if "sentinel" not in environment.targets:
        return
    if prune:
        require_explicit_repository(environment)
    watchlists = load_watchlists(root)
    if not watchlists and not prune:
        return
    store = WatchlistStore(environment, credential)
    plan.changes.extend(plan_watchlists(watchlists, store.watchlists(), environment.repository, prune=prune))
    stores[TARGET] = store


def _rows(raw: str) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(raw))
    return [dict(row) for row in reader]


def _item_text(item: Mapping[str, Any]) -> str:
    return " | ".join(f"{k}={item[k]}" for k in sorted(item))


__all__ = [
    "TARGET",
    "ArmError",
    "LiveWatchlist",
    "WatchlistStore",
    "add_watchlists",
    "comparable",
    "plan_watchlists",
    "watchlist_body",
]
