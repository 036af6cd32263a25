"""Sentinel watchlists and watchlist items on the local ARM emulator, validated as Watchlists.json says.

Source: Azure/azure-rest-api-specs, specification/securityinsights/resource-manager/
Microsoft.SecurityInsights/stable/2025-09-01/Watchlists.json (Watchlists_*, WatchlistItems_*):
- `WatchlistProperties` requires `displayName`, `provider`, `itemsSearchKey`; `sourceType` is Local or
  AzureStorage; `numberOfLinesToSkip` is an int32; `labels` an array of strings; `provisioningState`,
  `nextLink` and the ARM envelope (`id`, `name`, `type`, `systemData`) are read-only;
- `rawContent` is "the content of the file that will parsed by the endpoint" for `contentType` text/csv or
  text/tsv; the search key names a column of it (learn.microsoft.com/azure/sentinel/watchlists-create: "the
  name of a column in your watchlist"); rawContent is for watchlists up to 3.8 MB (az sentinel watchlist
  create);
- `WatchlistItemProperties` requires `itemsKeyValue` (an object);
- PUT answers 200 (updated) or 201 (created), DELETE of a watchlist 202/204, of an item 200/204.
A PUT with `rawContent` to an existing watchlist adds its rows as new items, as the service's bulk upload
does.

Registered in server.py by one call: `route_watchlists(handler, method, path, query, body)`, which returns
None for any other path.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any, Protocol

from kqlrules.datetimes import format_datetime_microseconds
from kqlrules.deploy.api_versions import WATCHLISTS

_SCOPE = (
    r"/subscriptions/(?P<sub>[^/]+)/resourceGroups/(?P<rg>[^/]+)"
    r"/providers/Microsoft\.OperationalInsights/workspaces/(?P<ws>[^/]+)"
    r"/providers/Microsoft\.SecurityInsights/watchlists"
)
WATCHLIST = re.compile(_SCOPE + r"(?:/(?P<alias>[^/]+))?$", re.I)
ITEM = re.compile(_SCOPE + r"/(?P<alias>[^/]+)/watchlistItems(?:/(?P<item>[^/]+))?$", re.I)
API_VERSION = WATCHLISTS
MAX_RAW_CONTENT = 3_800_000

Result = tuple[int, Any, dict[str, str]]

_STRINGS = (
    "watchlistId",
    "displayName",
    "provider",
    "source",
    "description",
    "watchlistType",
    "watchlistAlias",
    "tenantId",
    "rawContent",
    "itemsSearchKey",
    "contentType",
    "uploadStatus",
    "created",
    "updated",
    "defaultDuration",
)
_KNOWN = {
    *_STRINGS,
    "sourceType",
    "createdBy",
    "updatedBy",
    "isDeleted",
    "labels",
    "numberOfLinesToSkip",
    "provisioningState",
}
_ITEM_KNOWN = {
    "watchlistItemType",
    "watchlistItemId",
    "tenantId",
    "isDeleted",
    "created",
    "updated",
    "createdBy",
    "updatedBy",
    "itemsKeyValue",
    "entityMapping",
}
_DURATION = re.compile(r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$")


class _Handler(Protocol):
    headers: Any

    def _list(self, path: str, query: dict[str, str]) -> Result: ...


class _Stored(Protocol):
    body: dict[str, Any]
    etag: str


def route_watchlists(handler: Any, method: str, path: str, query: dict[str, str], body: Any) -> Result | None:
    item, watchlist = ITEM.match(path), WATCHLIST.match(path)
    if item is None and watchlist is None:
        return None
    if query.get("api-version") != API_VERSION:
        return _error(
            HTTPStatus.BAD_REQUEST,
            "InvalidApiVersionParameter",
            f"api-version {query.get('api-version')!r} is not supported; use {API_VERSION}",
        )
    state = handler.emulator.state
    if item is not None:
        return _item(handler, state, method, path, query, item["alias"], item["item"], body)
    assert watchlist is not None
    alias = watchlist["alias"]
    if alias is None:
        if method != "GET":
            return _error(HTTPStatus.METHOD_NOT_ALLOWED, "MethodNotAllowed", method)
        listed: Result = handler._list(path, query)
        return listed
    return _watchlist(handler, state, method, path, alias, body)


def _watchlist(handler: Any, state: Any, method: str, path: str, alias: str, body: Any) -> Result:
    resources = state.resources
    key = path.lower()
    current = resources.get(key)
    if method == "GET":
        if current is None:
            return _error(HTTPStatus.NOT_FOUND, "NotFound", f"watchlist {alias} was not found")
        return HTTPStatus.OK, current.body, {"ETag": current.etag}
    if method == "DELETE":
        if current is None:
            return HTTPStatus.NO_CONTENT, None, {}
        for other in [k for k in resources if k.startswith(key + "/")]:
            del resources[other]  # its items go with it
        del resources[key]
        return HTTPStatus.NO_CONTENT, None, {}
    if handler.headers.get("If-None-Match") == "*" and current is not None:
        return _error(
            HTTPStatus.PRECONDITION_FAILED, "PreconditionFailed", f"watchlist {alias} already exists"
        )
    if body is ValueError or not isinstance(body, dict):
        return _error(HTTPStatus.BAD_REQUEST, "InvalidRequestContent", "the body is not a JSON object")
    problems, rows = validate_watchlist(body, alias, current.body if current else None)
    if problems:
        return _error(HTTPStatus.BAD_REQUEST, "BadRequest", problems[0], problems)
    if body.get("etag") and current is not None and current.etag != body["etag"]:
        return _error(
            HTTPStatus.CONFLICT, "Conflict", f"the etag {body['etag']} is not the watchlist's current one"
        )
    etag = f'"{uuid.uuid4()}"'
    stored = _stored_watchlist(path, alias, body["properties"], etag, current.body if current else None)
    resources[key] = _new_stored(stored, etag)
    raw = body["properties"].get("rawContent")
    if isinstance(raw, str) and raw:
        _columns(state)[key] = list(rows[0]) if rows else _header(body["properties"])
    for row in rows:
        _put_item(handler, state, key, alias, str(uuid.uuid4()), row)
    return (HTTPStatus.OK if current else HTTPStatus.CREATED), stored, {"ETag": etag}


def validate_watchlist(
    body: dict[str, Any], alias: str, current: dict[str, Any] | None
) -> tuple[list[str], list[dict[str, str]]]:
    """Every rule a Watchlists_CreateOrUpdate body breaks, and the rows of its rawContent."""
    problems: list[str] = []
    props = body.get("properties")
    if not isinstance(props, dict):
        return ["properties: required, an object"], []
    for unknown in sorted(set(props) - _KNOWN):
        problems.append(f"properties.{unknown}: not a property of WatchlistProperties")
    for name in ("displayName", "provider", "itemsSearchKey"):
        if not isinstance(props.get(name), str) or not props[name].strip():
            problems.append(f"properties.{name}: required, a non-empty string")
    for name in _STRINGS:
        if name in props and props[name] is not None and not isinstance(props[name], str):
            problems.append(f"properties.{name}: must be a string")
    if props.get("sourceType") not in (None, "Local", "AzureStorage"):
        problems.append(f"properties.sourceType: {props['sourceType']!r} is not one of Local, AzureStorage")
    skip = props.get("numberOfLinesToSkip", 0)
    if not isinstance(skip, int) or isinstance(skip, bool) or not 0 <= skip < 2**31:
        problems.append("properties.numberOfLinesToSkip: must be a non-negative int32")
        skip = 0
    labels = props.get("labels", [])
    if not isinstance(labels, list) or not all(isinstance(label, str) for label in labels):
        problems.append("properties.labels: must be an array of strings")
    if isinstance(props.get("isDeleted"), str):
        problems.append("properties.isDeleted: must be a boolean")
    duration = props.get("defaultDuration")
    if isinstance(duration, str) and not _DURATION.match(duration):
        problems.append(f"properties.defaultDuration: {duration!r} is not an ISO 8601 duration")
    if props.get("provisioningState") is not None:
        problems.append("properties.provisioningState: read-only")
    given_alias = props.get("watchlistAlias")
    if isinstance(given_alias, str) and given_alias.lower() != alias.lower():
        problems.append(f"properties.watchlistAlias: {given_alias} is not the alias in the path ({alias})")
    key = props.get("itemsSearchKey")
    if current is not None and isinstance(key, str):
        before = (current.get("properties") or {}).get("itemsSearchKey")
        if before and before != key:
            problems.append(f"properties.itemsSearchKey: a watchlist's search key cannot change ({before})")
    rows: list[dict[str, str]] = []
    raw = props.get("rawContent")
    if isinstance(raw, str) and raw:
        content_type = props.get("contentType")
        if content_type not in ("text/csv", "text/tsv"):
            problems.append(
                f"properties.contentType: {content_type!r} must be text/csv or text/tsv with rawContent"
            )
        elif len(raw.encode("utf-8")) > MAX_RAW_CONTENT:
            problems.append(
                f"properties.rawContent: larger than {MAX_RAW_CONTENT} bytes; upload through Azure Storage"
            )
        else:
            header, rows = _parse(
                raw, "\t" if content_type == "text/tsv" else ",", skip if isinstance(skip, int) else 0
            )
            if not header:
                problems.append("properties.rawContent: no header row")
            elif isinstance(key, str) and key not in header:
                problems.append(
                    f"properties.itemsSearchKey: {key} is not a column of rawContent ({', '.join(header)})"
                )
            if len({h.lower() for h in header}) != len(header):
                problems.append("properties.rawContent: the header names a column twice")
    elif current is None and raw is None and props.get("sourceType") != "AzureStorage":
        pass  # an empty watchlist, filled item by item later: allowed
    return problems, rows


def _parse(raw: str, delimiter: str, skip: int) -> tuple[list[str], list[dict[str, str]]]:
    lines = raw.splitlines()[skip:]
    reader = csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter)
    records = [r for r in reader if any(cell.strip() for cell in r)]
    if not records:
        return [], []
    header = [h.strip() for h in records[0]]
    return header, [dict(zip(header, r, strict=False)) for r in records[1:]]


def _item(
    handler: Any,
    state: Any,
    method: str,
    path: str,
    query: dict[str, str],
    alias: str,
    item_id: str | None,
    body: Any,
) -> Result:
    watchlist_key = path.lower().split("/watchlistitems")[0]
    watchlist = state.resources.get(watchlist_key)
    if watchlist is None:
        return _error(HTTPStatus.NOT_FOUND, "NotFound", f"watchlist {alias} was not found")
    if item_id is None:
        if method != "GET":
            return _error(HTTPStatus.METHOD_NOT_ALLOWED, "MethodNotAllowed", method)
        listed: Result = handler._list(path, query)
        return listed
    key = path.lower()
    current = state.resources.get(key)
    if method == "GET":
        if current is None:
            return _error(HTTPStatus.NOT_FOUND, "NotFound", f"watchlist item {item_id} was not found")
        return HTTPStatus.OK, current.body, {"ETag": current.etag}
    if method == "DELETE":
        if current is None:
            return HTTPStatus.NO_CONTENT, None, {}
        del state.resources[key]
        return HTTPStatus.OK, None, {}
    if body is ValueError or not isinstance(body, dict) or not isinstance(body.get("properties"), dict):
        return _error(HTTPStatus.BAD_REQUEST, "BadRequest", "properties: required, an object")
    props = body["properties"]
    problems = [
        f"properties.{u}: not a property of WatchlistItemProperties" for u in sorted(set(props) - _ITEM_KNOWN)
    ]
    values = props.get("itemsKeyValue")
    if not isinstance(values, dict):
        problems.append("properties.itemsKeyValue: required, an object")
    else:
        columns = _columns(state).get(watchlist_key) or []
        unknown = [k for k in values if columns and k not in columns]
        if unknown:
            problems.append(f"properties.itemsKeyValue: {unknown[0]} is not a column of watchlist {alias}")
    try:
        uuid.UUID(item_id)
    except ValueError:
        problems.append(f"watchlistItemId: {item_id} is not a GUID")
    if problems:
        return _error(HTTPStatus.BAD_REQUEST, "BadRequest", problems[0], problems)
    stored = _put_item(
        handler, state, watchlist_key, alias, item_id, {str(k): str(v) for k, v in values.items()}
    )
    return (HTTPStatus.OK if current else HTTPStatus.CREATED), stored.body, {"ETag": stored.etag}


def _put_item(
    handler: Any, state: Any, watchlist_key: str, alias: str, item_id: str, row: dict[str, str]
) -> Any:
    path = f"{watchlist_key}/watchlistitems/{item_id}".lower()
    etag = f'"{uuid.uuid4()}"'
    body = {
        "id": path,
        "name": item_id,
        "type": "Microsoft.SecurityInsights/Watchlists/WatchlistItems",
        "etag": etag,
        "properties": {
            "watchlistItemId": item_id,
            "watchlistItemType": "watchlist-item",
            "isDeleted": False,
            "created": _now(),
            "updated": _now(),
            "itemsKeyValue": row,
        },
    }
    stored = _new_stored(body, etag)
    state.resources[path] = stored
    return stored


def _stored_watchlist(
    path: str, alias: str, props: dict[str, Any], etag: str, current: dict[str, Any] | None
) -> dict[str, Any]:
    kept = dict((current or {}).get("properties") or {})
    given = {k: v for k, v in props.items() if k not in ("rawContent", "provisioningState")}
    merged = {**kept, **given}
    merged.setdefault("watchlistId", str(uuid.uuid4()))
    merged.setdefault("created", _now())
    merged.setdefault("sourceType", "Local")
    merged.update(
        watchlistAlias=alias,
        updated=_now(),
        provisioningState="Succeeded",
        uploadStatus="Complete",
        isDeleted=False,
    )
    return {
        "id": path,
        "name": alias,
        "type": "Microsoft.SecurityInsights/Watchlists",
        "etag": etag,
        "properties": merged,
    }


def _columns(state: Any) -> dict[str, list[str]]:
    """Each watchlist's columns (from its rawContent header), which its items' keys must be among."""
    found: dict[str, list[str]] = state.__dict__.setdefault("watchlist_columns", {})
    return found


def _header(props: dict[str, Any]) -> list[str]:
    delimiter = "\t" if props.get("contentType") == "text/tsv" else ","
    header, _ = _parse(str(props["rawContent"]), delimiter, int(props.get("numberOfLinesToSkip") or 0))
    return header


def _new_stored(body: dict[str, Any], etag: str) -> Any:
    from kqlrules.deploy.emulator.server import Stored

    return Stored(body, etag)


def _error(status: HTTPStatus, code: str, message: str, details: list[str] | None = None) -> Result:
    error: dict[str, Any] = {"code": code, "message": message}
    if details:
        error["details"] = [{"code": code, "message": d} for d in details]
    return status, {"error": error}, {}


def _now() -> str:
    return format_datetime_microseconds(datetime.now(UTC))


__all__ = ["API_VERSION", "route_watchlists", "validate_watchlist"]
