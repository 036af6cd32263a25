"""Table and function schemas the analyzer binds queries against.

Two file shapes are read, one table or function per file, `.json` or `.yaml`:
- kqlrules' own: `{"table": "SigninLogs", "columns": {"TimeGenerated": "datetime", ...}}` and
  `{"function": "_GetWatchlist", "parameters": {"watchlist": "string"}, "columns": {...}}` (or `"body"`);
- Microsoft Sentinel CI's: `{"Name", "Properties": [{"Name", "Type"}]}` and
  `{"FunctionName", "FunctionParameters", "FunctionResultColumns"}` (as in the Azure-Sentinel repository).
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kqlrules.errors import KqlrulesError, Location
from kqlrules.table import Column, Table

BUILTIN_DIR = Path(__file__).with_name("schemas")
# A detection repository's own schemas (custom tables, its workspace's pulled tables) live here.
REPO_SCHEMA_FOLDER = "schemas"

# Sentinel's schema files spell Kusto types in many ways; these are the ones seen in the wild.
_TYPE_ALIASES = {
    "string": "string",
    "str": "string",
    "uri": "string",
    "long": "long",
    "int64": "long",
    "bigint": "long",
    "int": "int",
    "int32": "int",
    "integer": "int",
    "real": "real",
    "double": "real",
    "float": "real",
    "decimal": "decimal",
    "bool": "bool",
    "boolean": "bool",
    "sbyte": "bool",
    "datetime": "datetime",
    "date": "datetime",
    "date/time": "datetime",
    "timespan": "timespan",
    "time": "timespan",
    "guid": "guid",
    "uuid": "guid",
    "uniqueid": "guid",
    "dynamic": "dynamic",
    "object": "dynamic",
}
_NULL_DEFAULT = {"string": '""'}


class SchemaError(KqlrulesError):
    """A schema file is unreadable or names an unknown type."""


def kusto_type(name: str | None, where: Location | None = None) -> str:
    key = (name or "string").strip().lower()
    if key not in _TYPE_ALIASES:
        raise SchemaError(f"unknown column type {name!r}", where)
    return _TYPE_ALIASES[key]


@dataclass(frozen=True)
class TableSchema:
    name: str
    columns: tuple[Column, ...]
    # The file the column list was read from, and what that file says it restates (a reference page, a
    # workspace): lint names them when a column is unknown, so a user can tell a stale schema from a typo.
    path: str = field(default="", compare=False)
    origin: str = field(default="", compare=False)

    def provenance(self) -> str:
        """Where this column list came from, in a few words for an error message."""
        if self.path and _is_builtin(Path(self.path)):
            sources = [label for marker, label in _BUILTIN_SOURCES if marker in self.origin]
            return "kqlrules' built-in schema" + (f" (from {' and '.join(sources)})" if sources else "")
        where = self.path or "a schema given in code"
        return where + (f" (from {self.origin})" if self.origin else "")


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str
    required: bool = True


@dataclass(frozen=True)
class FunctionSchema:
    name: str
    parameters: tuple[Parameter, ...] = ()
    columns: tuple[Column, ...] = ()
    body: str | None = None
    # What the file restates (a parser of a Sentinel solution, a documented schema).
    origin: str = field(default="", compare=False)

    def parameter_list(self) -> str:
        parts = []
        for p in self.parameters:
            default = "" if p.required else "=" + _NULL_DEFAULT.get(p.type, f"{p.type}(null)")
            parts.append(f"{p.name}:{p.type}{default}")
        return "(" + ", ".join(parts) + ")"

    def body_text(self) -> str:
        """The body the analyzer sees: the user's, or an empty table of the documented result columns."""
        if self.body is not None:
            return self.body if self.body.strip().startswith("{") else "{ " + self.body + " }"
        columns = ", ".join(f"['{c.name}']:{c.type}" for c in self.columns)
        return "{ datatable(" + columns + ")[] }"


@dataclass
class SchemaSet:
    tables: dict[str, TableSchema] = field(default_factory=dict)
    functions: dict[str, FunctionSchema] = field(default_factory=dict)
    # Rows that come with a schema rather than with a test case or workspace: a repository's watchlists
    # (kqlrules.watchlists). A local engine over these schemas serves them.
    data: dict[str, Table] = field(default_factory=dict)

    @classmethod
    def builtin(cls) -> SchemaSet:
        """The schemas kqlrules ships (every table and function under `kqlrules/kusto/schemas/`: 251
        tables and 12 functions as of this writing): read once per process, then copied (a caller may
        add to its set without changing anyone else's)."""
        tables, functions = _builtin_definitions()
        return cls(dict(tables), dict(functions))

    @classmethod
    def load(cls, *folders: Path | str) -> SchemaSet:
        schemas = cls()
        for folder in folders:
            schemas.add_folder(Path(folder))
        return schemas

    def merged(self, other: SchemaSet) -> SchemaSet:
        """A new set with `other`'s definitions winning over this one's."""
        return SchemaSet(
            {**self.tables, **other.tables},
            {**self.functions, **other.functions},
            {**self.data, **other.data},
        )

    def add_folder(self, folder: Path) -> None:
        if not folder.is_dir():
            raise SchemaError(f"schema folder {folder} does not exist")
        for path in sorted(folder.rglob("*")):
            if path.suffix.lower() in (".json", ".yaml", ".yml") and path.is_file():
                self.add_file(path)

    def add_file(self, path: Path) -> None:
        data = _read(path)
        if not isinstance(data, Mapping):
            raise SchemaError("a schema file must hold one object", Location.of(path, 1, 1))
        item = _parse(data, path)
        if isinstance(item, TableSchema):
            self.tables[item.name] = item
        elif isinstance(item, FunctionSchema):
            self.functions[item.name] = item

    def add_table(self, name: str, columns: Iterable[tuple[str, str]]) -> None:
        self.tables[name] = TableSchema(name, tuple(Column(n, kusto_type(t)) for n, t in columns))

    def fingerprint(self) -> str:
        # Hashing the ~250 built-in tables takes ~20 ms; the definitions are immutable, so their identities
        # say whether the set changed since the last time (a table added, replaced or removed changes them).
        key = (tuple(self.tables.items()), tuple(self.functions.items()))
        identity = tuple(id(v) for _, v in key[0]), tuple(id(v) for _, v in key[1]), tuple(self.tables)
        cached = self.__dict__.get("_fingerprint_cache")
        if cached is not None and cached[0] == identity:
            return str(cached[1])
        payload = json.dumps(self.to_bridge(), sort_keys=True).encode()
        digest = hashlib.sha256(payload).hexdigest()[:16]
        self.__dict__["_fingerprint_cache"] = (identity, digest)
        return digest

    def to_bridge(self) -> dict[str, Any]:
        return {
            "tables": [
                {"name": t.name, "columns": [[c.name, c.type] for c in t.columns]}
                for t in sorted(self.tables.values(), key=lambda t: t.name)
                # A name defined as both (Sentinel ships ASIM parsers as tables too): the function wins.
                if t.name not in self.functions
            ],
            "functions": [
                {"name": f.name, "params": f.parameter_list(), "body": f.body_text()}
                for f in sorted(self.functions.values(), key=lambda f: f.name)
            ],
        }


# What the built-in files restate (see kqlrules.kusto.builtin_schemas), by a marker in their `source`.
_BUILTIN_SOURCES = (
    ("azure-monitor/reference/tables", "the Log Analytics table reference"),
    ("Sentinel CI", "Microsoft Sentinel CI's table schemas"),
)


def _is_builtin(path: Path) -> bool:
    try:
        path.resolve().relative_to(BUILTIN_DIR.resolve())
    except ValueError:
        return False
    return True


@functools.cache
def _builtin_definitions() -> tuple[dict[str, TableSchema], dict[str, FunctionSchema]]:
    loaded = SchemaSet.load(BUILTIN_DIR) if BUILTIN_DIR.is_dir() else SchemaSet()
    return loaded.tables, loaded.functions


def _read(path: Path) -> Any:
    from kqlrules.text_files import NotUtf8, decode_utf8

    try:
        text = decode_utf8(path.read_bytes())
    except OSError as error:
        raise SchemaError(f"cannot read the schema file: {error.strerror}", Location.of(path)) from None
    except NotUtf8 as error:
        raise SchemaError(str(error), Location.of(path, error.line, error.col)) from None
    if path.suffix.lower() == ".json":
        try:
            return json.loads(text)
        except RecursionError:
            raise SchemaError("invalid JSON: nested too deeply", Location.of(path, 1, 1)) from None
        except json.JSONDecodeError as error:
            # Several published Sentinel schemas carry trailing commas; accept them, report anything else.
            try:
                return json.loads(re.sub(r",(\s*[\]}])", r"\1", text))
            except (json.JSONDecodeError, RecursionError):
                raise SchemaError(
                    f"invalid JSON: {error.msg}", Location.of(path, error.lineno, error.colno)
                ) from None
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError

    from kqlrules.yaml_bounds import bounded

    bounded(text, lambda message, line, col: SchemaError(message, Location.of(path, line, col)))
    try:
        return YAML(typ="safe").load(text)
    except MarkedYAMLError as error:
        mark = error.problem_mark
        where = Location.of(path, mark.line + 1, mark.column + 1) if mark else Location.of(path)
        raise SchemaError(f"invalid YAML: {error.problem}", where) from None


def _get(data: Mapping[str, Any], *keys: str) -> Any:
    lowered = {str(k).lower(): v for k, v in data.items()}
    for key in keys:
        if key.lower() in lowered:
            return lowered[key.lower()]
    return None


def _columns(raw: Any, path: Path) -> tuple[Column, ...]:
    where = Location.of(path)
    if isinstance(raw, Mapping):
        return tuple(Column(str(n), kusto_type(str(t), where)) for n, t in raw.items())
    columns = []
    for entry in raw or []:
        if isinstance(entry, list | tuple):
            columns.append(Column(str(entry[0]), kusto_type(str(entry[1]), where)))
        else:
            columns.append(Column(str(_get(entry, "name")), kusto_type(_get(entry, "type"), where)))
    return tuple(columns)


def _parameters(raw: Any, where: Location) -> tuple[Parameter, ...]:
    """`{name: type}` (all optional) or `[{name, type, required}]` / `[[name, type]]`."""
    if isinstance(raw, Mapping):
        return tuple(Parameter(str(n), kusto_type(str(t), where), required=False) for n, t in raw.items())
    params = []
    for entry in raw:
        if isinstance(entry, Mapping):
            name, kind, required = _get(entry, "name"), _get(entry, "type"), bool(_get(entry, "required"))
        else:
            name, kind, required = entry[0], entry[1], False
        params.append(Parameter(str(name), kusto_type(str(kind), where), required))
    return tuple(params)


def _parse(data: Mapping[str, Any], path: Path) -> TableSchema | FunctionSchema | None:
    where = Location.of(path)
    if "table" in data:
        origin = str(data.get("source") or "")
        return TableSchema(str(data["table"]).strip(), _columns(data.get("columns"), path), str(path), origin)
    if "function" in data:
        params = _parameters(data.get("parameters") or {}, where)
        return FunctionSchema(
            str(data["function"]),
            params,
            _columns(data.get("columns"), path),
            data.get("body"),
            str(data.get("source") or ""),
        )
    function_name = _get(data, "FunctionName")
    if function_name:
        params = tuple(
            Parameter(str(_get(p, "Name")), kusto_type(_get(p, "Type"), where), bool(_get(p, "IsRequired")))
            for p in _get(data, "FunctionParameters") or []
        )
        return FunctionSchema(str(function_name), params, _columns(_get(data, "FunctionResultColumns"), path))
    properties = _get(data, "Properties")
    name = _get(data, "Name")
    if properties is not None and name:
        return TableSchema(str(name).strip(), _columns(properties, path), str(path))
    # Other JSON (connector manifests, samples) is not a schema; a schema folder may hold it harmlessly.
    return None


def resolve_schemas(repo: Path | None = None, extra: Iterable[Path] = ()) -> SchemaSet:
    """The schemas a command binds against: the built-in set, then the repository's `schemas/` folder
    (when it has one), then each `--schemas` folder, then the repository's watchlists (`watchlists/*.csv`,
    which define `_GetWatchlist`); a later definition of a name wins."""
    schemas = SchemaSet.builtin()
    folders = []
    if repo is not None and (repo / REPO_SCHEMA_FOLDER).is_dir():
        folders.append(repo / REPO_SCHEMA_FOLDER)
    folders.extend(Path(folder) for folder in extra)
    for folder in folders:
        schemas = schemas.merged(SchemaSet.load(folder))
    if repo is not None:
        schemas = with_watchlists(schemas, repo)
    return schemas


def with_watchlists(schemas: SchemaSet, repo: Path) -> SchemaSet:
    """`schemas` plus the repository's watchlists; an alias that is also a table's name is refused, because
    `_GetWatchlist` reads the watchlist as a table of that name."""
    from kqlrules.watchlists import WatchlistError, load_watchlists, watchlist_schemas

    watchlists = load_watchlists(repo)
    if not watchlists:
        return schemas
    for alias, watchlist in watchlists.items():
        if alias in schemas.tables or alias in schemas.functions:
            raise WatchlistError(
                f"watchlist alias {alias} is also the name of a table or function",
                Location.of(watchlist.path),
            )
    return schemas.merged(watchlist_schemas(watchlists))
