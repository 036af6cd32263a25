"""The test-case format: `queries/<area>/<name>.tests.yaml`, a list of cases, read with every position kept.

```yaml
- name: fires on a high-risk sign-in
  now: 2024-05-01T12:00:00Z          # pinned; fixture times may be relative to it (-2h, -1d3h, now)
  params: {risk_levels: [high]}      # template overrides
  tables:
    SigninLogs:                      # inline rows ...
      - {TimeGenerated: -10m, UserPrincipalName: a@contoso.com, ResultType: "0"}
    AuditLogs: fixtures/audit.jsonl  # ... or a .jsonl, .csv or .parquet file beside this one
  externaldata:                      # what the local engine reads for an `externaldata` URL
    https://example.com/tor.csv: fixtures/tor.csv   # a file beside this one, in the query's format
    https://example.com/iocs.json: empty             # or no rows
  expect:
    alerts: 1                        # and/or no_alerts: true, rows: [{Column: value}], columns: [Name, ...]
```

The file may instead be a mapping: `cases:` (the list) and `equivalent_mutants:` (mutants `--mutants` may
not count as survivors, each `{mutant: <its description>, reason: <why no case can kill it>}`).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap

from kqlrules.errors import Location
from kqlrules.rules import shown
from kqlrules.testing.errors import TestFileError
from kqlrules.testing.times import TimeFormatError, parse_time
from kqlrules.yaml_bounds import shape_problem

TESTS_SUFFIX = ".tests.yaml"
FIXTURE_SUFFIXES = (".jsonl", ".csv", ".parquet")
_CASE_KEYS = ("name", "description", "now", "params", "tables", "externaldata", "expect", "skip")
EMPTY_SOURCE = "empty"
_EXPECT_KEYS = ("alerts", "no_alerts", "rows", "columns")
_FILE_KEYS = ("cases", "equivalent_mutants")


@dataclass(frozen=True)
class RowSource:
    """One fixture or expected row as written, with where it and each of its cells are."""

    values: dict[str, Any]
    location: Location
    cells: dict[str, Location] = field(default_factory=dict)
    # Where each column is named: the row's keys in YAML, the header line in CSV.
    names: dict[str, Location] = field(default_factory=dict)

    def cell(self, column: str) -> Location:
        return self.cells.get(column, self.location)


@dataclass(frozen=True)
class InlineRows:
    rows: list[RowSource]
    location: Location


@dataclass(frozen=True)
class FixtureFile:
    path: Path
    location: Location  # where the test file names it


TableInput = InlineRows | FixtureFile


@dataclass(frozen=True)
class ExpectedColumn:
    name: str
    type: str | None
    location: Location


@dataclass(frozen=True)
class Expectation:
    alerts: int | None = None
    no_alerts: bool | None = None
    rows: list[RowSource] = field(default_factory=list)
    columns: list[ExpectedColumn] | None = None
    location: Location | None = None

    @property
    def expects_alerts(self) -> bool:
        """The case must fire (one alert or more)."""
        return bool(self.alerts) or self.no_alerts is False or bool(self.rows)

    @property
    def expects_silence(self) -> bool:
        """The case must not fire."""
        return self.no_alerts is True or self.alerts == 0


@dataclass
class TestCase:
    __test__ = False  # not a pytest test class, despite its name

    name: str
    file: Path
    index: int
    now: datetime
    params: dict[str, Any]
    tables: dict[str, TableInput]
    expect: Expectation
    location: Location
    table_locations: dict[str, Location] = field(default_factory=dict)
    description: str = ""
    skip: str | None = None
    now_pinned: bool = True
    # What `externaldata` reads for a URL on the local engine: a fixture file, or None for no rows.
    externaldata: dict[str, Path | None] = field(default_factory=dict)

    @property
    def detection_name(self) -> str:
        return detection_name_of(self.file)

    def where(self) -> str:
        """`case "name" (file:line)`, for messages about this case."""
        return f'case "{self.name}" ({self.location})'


@dataclass(frozen=True)
class EquivalentMutant:
    """A mutant that no case can kill because it computes the same thing; said once, with why."""

    description: str
    reason: str
    location: Location


@dataclass
class TestFile:
    __test__ = False

    path: Path
    cases: list[TestCase]
    equivalent_mutants: list[EquivalentMutant] = field(default_factory=list)

    @property
    def detection_name(self) -> str:
        return detection_name_of(self.path)


def detection_name_of(path: Path) -> str:
    return path.name[: -len(TESTS_SUFFIX)] if path.name.endswith(TESTS_SUFFIX) else path.stem


def tests_path_for(yaml_path: Path) -> Path:
    """`queries/x/name.yaml` -> `queries/x/name.tests.yaml`."""
    return yaml_path.with_name(yaml_path.stem + TESTS_SUFFIX)


# -- reading --------------------------------------------------------------------------------------------
class _Where:
    """Turns ruamel's 0-based positions into the file's Locations."""

    def __init__(self, path: Path) -> None:
        self.path = shown(path)

    def at(self, line: int, col: int) -> Location:
        return Location(self.path, line + 1, col + 1)

    def node(self, node: Any) -> Location:
        lc = getattr(node, "lc", None)
        if lc is None or lc.line is None:
            return Location(self.path)
        return self.at(lc.line, lc.col)

    def key(self, mapping: Any, key: str) -> Location:
        try:
            line, col = mapping.lc.key(key)
        except (AttributeError, KeyError, TypeError):
            return self.node(mapping)
        return self.at(line, col)

    def value(self, mapping: Any, key: str) -> Location:
        try:
            line, col = mapping.lc.value(key)
        except (AttributeError, KeyError, TypeError):
            return self.key(mapping, key)
        return self.at(line, col)

    def item(self, sequence: Any, index: int) -> Location:
        try:
            line, col = sequence.lc.item(index)
        except (AttributeError, KeyError, TypeError, IndexError):
            return self.node(sequence)
        return self.at(line, col)


def load_test_file(path: Path, *, default_now: datetime | None = None) -> TestFile:
    """Parse one `.tests.yaml`; every mistake is a `TestFileError` at its line and column."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    where = _Where(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise TestFileError(f"cannot read the test file: {error}", Location(where.path)) from None
    too_complex = shape_problem(text)
    if too_complex is not None:
        raise TestFileError(too_complex.message, where.at(too_complex.line - 1, too_complex.col - 1))
    try:
        document = YAML(typ="rt").load(text)
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        location = where.at(mark.line, mark.column) if mark else Location(where.path)
        raise TestFileError(f"invalid YAML: {error.problem or error.context}", location) from None
    except YAMLError as error:
        raise TestFileError(f"invalid YAML: {error}", Location(where.path)) from None
    if document is None:
        document = []
    equivalents: list[EquivalentMutant] = []
    if isinstance(document, Mapping) and "cases" in document:
        _unknown_keys(document, _FILE_KEYS, where, "test file")
        equivalents = _equivalents(document.get("equivalent_mutants"), where, document)
        document = document["cases"] or []
    if not isinstance(document, Sequence) or isinstance(document, str):
        raise TestFileError(
            "a test file holds a list of cases", where.node(document), hint="start each case with `- name:`"
        )
    fallback_now = default_now or datetime.now(UTC).replace(microsecond=0)
    cases: list[TestCase] = []
    seen: dict[str, Location] = {}
    for index, raw in enumerate(document):
        case = _case(raw, index, path, where, where.item(document, index), fallback_now)
        if case.name in seen:
            raise TestFileError(
                f'case "{case.name}" is defined twice (first at {seen[case.name]})', case.location
            )
        seen[case.name] = case.location
        cases.append(case)
    return TestFile(path, cases, equivalents)


def _equivalents(raw: Any, where: _Where, parent: Any) -> list[EquivalentMutant]:
    if raw is None:
        return []
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        raise TestFileError(
            "`equivalent_mutants` lists {mutant, reason} entries", where.value(parent, "equivalent_mutants")
        )
    found = []
    for index, entry in enumerate(raw):
        location = where.item(raw, index)
        if (
            not isinstance(entry, Mapping)
            or not isinstance(entry.get("mutant"), str)
            or not entry.get("reason")
        ):
            raise TestFileError(
                "an equivalent mutant needs `mutant` (as --mutants describes it) and `reason`", location
            )
        found.append(EquivalentMutant(str(entry["mutant"]), str(entry["reason"]), location))
    return found


def _case(
    raw: Any, index: int, path: Path, where: _Where, location: Location, fallback_now: datetime
) -> TestCase:
    if not isinstance(raw, Mapping):
        raise TestFileError(f"case #{index + 1} must be a mapping with name, tables and expect", location)
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise TestFileError(f"case #{index + 1} needs a `name`", where.node(raw))
    label = f'case "{name}"'
    _unknown_keys(raw, _CASE_KEYS, where, label)

    now, pinned = fallback_now, False
    if raw.get("now") is not None:
        try:
            now, pinned = parse_time(raw["now"], None), True
        except TimeFormatError as error:
            raise TestFileError(f"{label}: `now` {error}", where.value(raw, "now")) from None

    params = raw.get("params") or {}
    if not isinstance(params, Mapping):
        raise TestFileError(f"{label}: `params` must be a mapping", where.value(raw, "params"))

    tables_raw = raw.get("tables") or {}
    if not isinstance(tables_raw, Mapping):
        raise TestFileError(
            f"{label}: `tables` must map table names to rows or a fixture file", where.value(raw, "tables")
        )
    tables: dict[str, TableInput] = {}
    table_locations: dict[str, Location] = {}
    for table_name, value in tables_raw.items():
        table_locations[str(table_name)] = where.key(tables_raw, table_name)
        tables[str(table_name)] = _table_input(
            value, path, where, where.value(tables_raw, table_name), f"{label}, table {table_name}"
        )

    externaldata = _externaldata(raw, path, where, label)

    if "expect" not in raw:
        raise TestFileError(
            f"{label} has no `expect`",
            where.node(raw),
            hint="say what must happen: alerts: N, no_alerts: true, rows: [...] or columns: [...]",
        )
    expect = _expectation(raw["expect"], where, where.value(raw, "expect"), label)
    skip = raw.get("skip")
    return TestCase(
        name=name,
        file=path,
        index=index,
        now=now,
        params=_plain(params),
        tables=tables,
        expect=expect,
        location=where.node(raw),
        table_locations=table_locations,
        description=str(raw.get("description") or ""),
        skip=str(skip) if skip not in (None, False) else None,
        now_pinned=pinned,
        externaldata=externaldata,
    )


def _externaldata(raw: Mapping[str, Any], path: Path, where: _Where, label: str) -> dict[str, Path | None]:
    """`externaldata:` maps a URL, as the query writes it, to a fixture file beside the test file or to
    `empty`; the file must exist, so that a typo is this file's error and not a refusal in the engine."""
    value = raw.get("externaldata")
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise TestFileError(
            f"{label}: `externaldata` must map URLs to a fixture file or `{EMPTY_SOURCE}`",
            where.value(raw, "externaldata"),
        )
    sources: dict[str, Path | None] = {}
    for url, source in value.items():
        location = where.value(value, url)
        if not isinstance(source, str) or not source.strip():
            raise TestFileError(
                f"{label}: externaldata {url}: give a fixture file or `{EMPTY_SOURCE}`", location
            )
        if source.strip() == EMPTY_SOURCE:
            sources[str(url)] = None
            continue
        file = (path.parent / source).resolve()
        if not file.is_file():
            raise TestFileError(f"{label}: externaldata {url}: no file {shown(file)}", location)
        sources[str(url)] = file
    return sources


def _unknown_keys(raw: Mapping[str, Any], allowed: Sequence[str], where: _Where, label: str) -> None:
    for key in raw:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), allowed, n=1)
            hint = f"did you mean `{close[0]}`?" if close else f"known keys: {', '.join(allowed)}"
            raise TestFileError(f"{label}: unknown key `{key}`", where.key(raw, key), hint=hint)


def _table_input(value: Any, path: Path, where: _Where, location: Location, label: str) -> TableInput:
    if isinstance(value, Mapping) and set(value) == {"file"}:
        # `{file: path}`: the path is shown where it is written (a mapping read with positions has them).
        location = where.value(value, "file") if isinstance(value, CommentedMap) else location
        value = value["file"]
    if isinstance(value, str):
        fixture = (path.parent / value).resolve()
        if fixture.suffix.lower() not in FIXTURE_SUFFIXES:
            raise TestFileError(
                f"{label}: fixture {value!r} must be a .jsonl, .csv or .parquet file", location
            )
        if not fixture.is_file():
            raise TestFileError(
                f"{label}: fixture file {value!r} does not exist",
                location,
                hint=f"paths are relative to {shown(path.parent)}/",
            )
        return FixtureFile(fixture, location)
    if value is None:
        return InlineRows([], location)
    if not isinstance(value, Sequence):
        raise TestFileError(
            f"{label}: give a list of rows or the path of a .jsonl, .csv or .parquet file", location
        )
    rows = []
    for index, row in enumerate(value):
        row_location = where.item(value, index)
        if not isinstance(row, Mapping):
            raise TestFileError(f"{label}, row {index + 1}: a row maps column names to values", row_location)
        rows.append(_row_source(row, where, row_location))
    return InlineRows(rows, location)


def _row_source(row: Mapping[str, Any], where: _Where, location: Location) -> RowSource:
    return RowSource(
        {str(k): _plain(v) for k, v in row.items()},
        location,
        {str(k): where.value(row, k) for k in row},
        {str(k): where.key(row, k) for k in row},
    )


def _expectation(raw: Any, where: _Where, location: Location, label: str) -> Expectation:
    if not isinstance(raw, Mapping) or not raw:
        raise TestFileError(
            f"{label}: `expect` must give alerts, no_alerts, rows or columns",
            location,
            hint="for example `expect: {alerts: 1}`",
        )
    _unknown_keys(raw, _EXPECT_KEYS, where, f"{label}: expect")
    alerts = raw.get("alerts")
    if alerts is not None and (not isinstance(alerts, int) or isinstance(alerts, bool) or alerts < 0):
        raise TestFileError(
            f"{label}: `alerts` must be a whole number, 0 or more", where.value(raw, "alerts")
        )
    no_alerts = raw.get("no_alerts")
    if no_alerts is not None and not isinstance(no_alerts, bool):
        raise TestFileError(f"{label}: `no_alerts` must be true or false", where.value(raw, "no_alerts"))
    if no_alerts is True and alerts:
        raise TestFileError(f"{label}: `no_alerts: true` contradicts `alerts: {alerts}`", location)
    rows: list[RowSource] = []
    raw_rows = raw.get("rows")
    if raw_rows is not None:
        if not isinstance(raw_rows, Sequence) or isinstance(raw_rows, str):
            raise TestFileError(f"{label}: `rows` must be a list of rows", where.value(raw, "rows"))
        for index, row in enumerate(raw_rows):
            row_location = where.item(raw_rows, index)
            if not isinstance(row, Mapping):
                raise TestFileError(
                    f"{label}: expected row {index + 1} must map column names to values", row_location
                )
            rows.append(_row_source(row, where, row_location))
    columns = None
    if raw.get("columns") is not None:
        columns = _columns(raw["columns"], where, where.value(raw, "columns"), label)
    return Expectation(alerts, no_alerts, rows, columns, location)


def _columns(raw: Any, where: _Where, location: Location, label: str) -> list[ExpectedColumn]:
    """`[A, B]`, `[{A: string}, B]` or `{A: string, B: long}`: names in order, types optional."""
    columns: list[ExpectedColumn] = []
    if isinstance(raw, Mapping):
        for name, kind in raw.items():
            columns.append(ExpectedColumn(str(name), str(kind) if kind else None, where.key(raw, name)))
        return columns
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        raise TestFileError(f"{label}: `columns` must list the output's columns", location)
    for index, item in enumerate(raw):
        item_location = where.item(raw, index)
        if isinstance(item, Mapping) and len(item) == 1:
            [(name, kind)] = item.items()
            columns.append(ExpectedColumn(str(name), str(kind), item_location))
        elif isinstance(item, str):
            name, _, kind = item.partition(":")
            columns.append(ExpectedColumn(name.strip(), kind.strip() or None, item_location))
        else:
            raise TestFileError(f"{label}: column {index + 1} must be `Name` or `Name: type`", item_location)
    return columns


def _plain(value: Any) -> Any:
    """ruamel's round-trip containers and scalars as plain Python values."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, datetime):
        return datetime(*value.timetuple()[:6], value.microsecond, tzinfo=value.tzinfo)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str(value)
    return value
