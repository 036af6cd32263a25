"""Run the Kusto reference examples (`shared/corpus/kusto-docs/cases.jsonl`) on the local engine and compare
their results with the documented outputs, fairly:

- column names exactly (the docs sometimes quote them in backticks, which are dropped);
- each cell after normalising how the docs print it: datetimes (`2018-07-01 00:00:00.0000000` or ISO), numbers
  (`1` and `1.0`, reals to 1e-9 relative), booleans (`true`, `True`, `1`), timespans (`00:03:00`), dynamic
  values compared as JSON structures (the docs' `<br>` line breaks and single quotes undone), nulls (`null`,
  `(null)` or an empty cell), strings with their whitespace runs collapsed as markdown tables render them;
  the rings of GeoJSON polygons from their lowest vertex (a ring's first vertex carries no meaning);
- row order only where the query orders its output (`sort`, `order by`, `top`, `serialize`, `range`...).

A case flagged nondeterministic, output_elided, environment-dependent or ragged_table is not comparable.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from kqlrules.engine.functions.parsing import parse_datetime, parse_timespan_ticks
from kqlrules.table import Table
from kqlrules.timespan import ticks

NOT_COMPARABLE = ("nondeterministic", "output_elided", "environment-dependent", "ragged_table")
# A documented cell whose contents the page elides (`{"type": "Polygon", "coordinates": [ ... ]}`) is an
# elided output the corpus did not flag.
_ELIDED = re.compile(r"\[\s*\.\.\.\s*\]")
NOW = datetime(2024, 1, 1, tzinfo=UTC)
# top-nested is absent: Kusto does not document the order of its output rows.
_ORDERED = re.compile(
    r"\b(sort|order)\s+by\b|\|\s*(top(?!-)|serialize|range|scan|make-series)\b|^\s*range\b|\bprint\b",
    re.IGNORECASE | re.MULTILINE,
)
# The grid neighbours' order is not documented either (geo-s2cell-neighbors, geo-geohash-neighbors pages),
# nor the order of the cells covering a polygon (geo-polygon-to-h3cells).
_UNORDERED_SETS = re.compile(
    r"\bmake_set|set_union|set_intersect|set_difference|bag_keys|hll\b|geo_s2cell_neighbors"
    r"|geo_geohash_neighbors|geo_polygon_to_h3cells"
)


# Examples whose documented output cannot be what their query prints, checked by hand: (page, a piece of the
# query, why). They are reported apart as `doc-error`, never counted as passes or as comparable.
DOC_ERRATA = [
    ("cos-function.md", "print cos(1)", "names the column `result`; an unnamed print column is print_0"),
    ("binary-shift-left-function.md", "binary_shift_left", "names the column `Result`, the query `result`"),
    ("binary-shift-right-function.md", "binary_shift_right", "names the column `Result`, the query `result`"),
    ("binary-xor-function.md", "binary_xor", "names the column `Result`, the query `result`"),
    ("day-of-month-function.md", "dayofmonth", "names the column `result`; it is unnamed (print_0)"),
    ("day-of-year-function.md", "dayofyear", "names the column `result`; it is unnamed (print_0)"),
    ("strlen-function.md", "strlen", "names the column `length`; it is unnamed (print_0)"),
    ("geo-closest-point-on-line-function.md", "print isnull(", "names the column `result`; it is print_0"),
    ("zlib-base64-compress-function.md", "zlib_compress", "prints the string result inside quotes"),
    ("extract-all-function.md", "print Id=", "names the column `ID`, the query `Id`"),
    ("max-of-function.md", "project max_of(A, B)", "names the column `result`; it is unnamed (Column1)"),
    ("min-of-function.md", "project min_of(A, B)", "names the column `result`; it is unnamed (Column1)"),
    ("replace-string-function.md", "tostring(x)", "shows tostring() of a long as `1.000000`"),
    ("url-encode-function.md", "hello world", "shows the original string with a `/` it does not have"),
    ("range-function.md", "range(1h, 5h)", "the output block is garbled (`1,000,000` and a second row)"),
    ("strcat-function.md", "MultiLineString", "the output cell is a pasted list, not the value"),
    ("array-iff-function.md", "array_iff", "prints the strings of a dynamic array unquoted"),
    ("parse-url-function.md", "parse_url", "prints the Query Parameters bag as a quoted string, not JSON"),
    ("parse-url-query-function.md", "parse_urlquery", "the printed bag is not JSON (a quoted bag inside)"),
    ("series-product-function.md", "series_product", "names the column `s1`, the query `arr`"),
    ("series-sum-function.md", "series_sum", "names the column `s1`, the query `arr`"),
    ("range-operator.md", "union Range1, Range2", "shows 3 of the 10 rows the query returns"),
    ("series-iir-function.md", "mv-expand x, y", "shows 4 of the 10 rows the query returns"),
    ("node-degree-out.md", "do_e=node_degree_out", "shows 4 of the 6 columns, two of them renamed"),
    (
        "join-rightanti.md",
        "kind=rightanti",
        "names the right side's column `Value1`; the right side has Value2",
    ),
    ("mv-apply-operator.md", "NewArr1=Arr1, NewArr2=Arr2", "names the column `Val1`; the table's is `Val`"),
    ("trim-end-function.md", 'strcat("-  ","Te st",x,', "uses a name `x` the query never defines"),
    (
        "variancepif-aggregation-function.md",
        "variancepif",
        "shows varianceif's sample variance (850); variancep is the population variance (833)",
    ),
    (
        "scan-operator.md",
        "| project start, end, userID, sessionDuration",
        "lists `userID` first; the query projects `start, end, userID, sessionDuration`",
    ),
    (
        "geo-line-densify-function.md",
        "[[-73.949247, 40.796860],[-73.973017, 40.764323]]",
        "prints tostring()'s text with spaces and a trailing zero (`40.796860`) that tostring() never writes",
    ),
    (
        "geo-polygon-lookup-plugin.md",
        '"National Museum of Mathematics", -73.98778501496217',
        "names a row `NY National Museum of Mathematics`; the query's location is `National Museum of ...`",
    ),
    # Not an error of the docs but of comparability: which left row innerunique keeps is arbitrary.
    (
        "join-innerunique.md",
        'where value == "val1.2"',
        "the output depends on which duplicate key row is kept",
    ),
]


@dataclass(frozen=True)
class Case:
    number: int
    source: str
    title: str
    query: str
    columns: list[str]
    rows: list[list[str]]
    flags: list[str]

    @property
    def page(self) -> str:
        return self.source.rsplit("/", 1)[-1]

    @property
    def kind(self) -> str:
        page = self.page
        if page.endswith("-plugin.md"):
            return "plugin"
        if "aggregation" in page:
            return "aggregation"
        if page.endswith("-function.md") or page.endswith("-functions.md"):
            return "scalar function"
        if page.endswith("-operator.md") or page.startswith("join-"):
            return "operator"
        return "other"

    @property
    def geospatial(self) -> bool:
        """Issue 5 puts the geospatial functions and plugins out of scope: they must be refused cleanly."""
        return self.page.startswith("geo-")

    @property
    def comparable(self) -> bool:
        if any(_ELIDED.search(cell) for row in self.rows for cell in row):
            return False  # the page prints `[ ... ]` for the coordinates: there is no output to compare
        return not any(flag.split(":")[0] in NOT_COMPARABLE for flag in self.flags)

    @property
    def erratum(self) -> str | None:
        for page, piece, reason in DOC_ERRATA:
            if self.page == page and piece in self.query:
                return reason
        return None


@dataclass
class Outcome:
    case: Case
    # pass; fail (a wrong answer); error (an engine error other than unsupported); unsupported; doc-error
    status: str
    detail: str = ""


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    def by_kind(self) -> dict[str, Counter[str]]:
        table: dict[str, Counter[str]] = {}
        for outcome in self.outcomes:
            table.setdefault(outcome.case.kind, Counter())[outcome.status] += 1
        return table

    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "fail"]

    @property
    def comparable(self) -> int:
        return sum(1 for o in self.outcomes if o.status != "doc-error")

    def in_scope(self) -> list[Outcome]:
        """The comparable outcomes outside the geospatial pages, which issue 5 leaves out of scope."""
        return [o for o in self.outcomes if o.status != "doc-error" and not o.case.geospatial]

    def summary(self) -> str:
        answered = self.count("pass") + self.count("fail") + self.count("error")
        in_scope = self.in_scope()
        in_scope_passes = sum(1 for o in in_scope if o.status == "pass")
        lines = [
            f"comparable cases: {self.comparable}  pass: {self.count('pass')}  fail: {self.count('fail')}  "
            f"error: {self.count('error')}  unsupported: {self.count('unsupported')}  "
            f"(documentation errors set aside: {self.count('doc-error')})",
            f"pass rate where the engine answers: {self.count('pass') / max(answered, 1):.1%}",
            f"pass rate of the comparable cases: {self.count('pass') / max(self.comparable, 1):.1%}; "
            f"outside the geospatial pages (out of scope): {in_scope_passes} of {len(in_scope)} "
            f"({in_scope_passes / max(len(in_scope), 1):.1%})",
        ]
        for kind, counts in sorted(self.by_kind().items()):
            lines.append(
                f"  {kind:16} pass {counts['pass']:3}  fail {counts['fail']:3}  error {counts['error']:3}  "
                f"unsupported {counts['unsupported']:3}"
            )
        return "\n".join(lines)


def load_cases(shared: Path) -> list[Case]:
    path = shared / "corpus" / "kusto-docs" / "cases.jsonl"
    cases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        raw = json.loads(line)
        cases.append(
            Case(
                number,
                raw["source"],
                raw.get("title", ""),
                raw["query"],
                list(raw["expected_columns"]),
                [list(r) for r in raw["expected_rows"]],
                list(raw.get("flags", [])),
            )
        )
    return cases


def run(cases: Iterable[Case], engine: Any) -> Report:
    """Run each comparable case; `engine` has `.query(kql, now=...) -> Table`."""
    from kqlrules.engine import UnsupportedKql

    report = Report()
    for case in cases:
        if not case.comparable:
            continue
        if case.erratum:
            report.outcomes.append(Outcome(case, "doc-error", case.erratum))
            continue
        try:
            table = engine.query(case.query, now=NOW)
        except UnsupportedKql as error:
            report.outcomes.append(Outcome(case, "unsupported", str(error)))
            continue
        except Exception as error:  # any other refusal is an error, not a wrong answer
            report.outcomes.append(Outcome(case, "error", f"{type(error).__name__}: {error}"))
            continue
        problem = compare(case, table)
        report.outcomes.append(Outcome(case, "fail" if problem else "pass", problem or ""))
    return report


def compare(case: Case, table: Table) -> str | None:
    """Why the result differs from the documented output, or None when it matches."""
    expected_names = [name.strip().strip("`") for name in case.columns]
    if table.column_names != expected_names:
        return f"columns {table.column_names} != {expected_names}"
    if len(table.rows) != len(case.rows):
        return f"{len(table.rows)} rows != {len(case.rows)}"
    loose_sets = bool(_UNORDERED_SETS.search(case.query))
    actual = [
        [canonical(v, c.type, loose_sets) for v, c in zip(row, table.columns, strict=True)]
        for row in table.rows
    ]
    try:
        expected = [
            [printed(cell, c.type, loose_sets) for cell, c in zip(row, table.columns, strict=True)]
            for row in case.rows
        ]
    except ValueError as error:
        return f"row width: {error}"
    if not _ORDERED.search(case.query):
        actual.sort(key=repr)
        expected.sort(key=repr)
    for number, (got, want) in enumerate(zip(actual, expected, strict=True)):
        for name, a, e in zip(expected_names, got, want, strict=True):
            if not same(a, e):
                return f"row {number} column {name}: {a!r} != {e!r}"
    return None


# --- normal forms -----------------------------------------------------------------------------------------


def canonical(value: Any, kind: str, loose_sets: bool = False) -> Any:
    """An engine value in the form `printed()` gives the documented cell."""
    if value is None:
        return None
    if kind == "datetime" and isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    if kind == "timespan" and isinstance(value, timedelta):
        return ticks(value)
    if kind == "dynamic":
        return _structure(_rings_from_lowest_vertex(value), loose_sets)
    if kind == "string":
        return _spaces(value)
    if kind == "guid":
        return str(value).lower()
    if kind in ("real", "decimal", "long", "int") and not isinstance(value, bool):
        return float(value)
    return value


def printed(cell: str, kind: str, loose_sets: bool = False) -> Any:
    if kind == "string":
        return _spaces(cell)
    text = cell.replace("<br>", " ").replace("&nbsp;", " ").strip()
    code = re.fullmatch(r"`([^`]*)`", text)  # markdown code: the docs print some cells as `value`
    if code and kind != "dynamic":
        text = code.group(1).strip()
    if text in ("", "null", "(null)"):
        return None
    if kind == "bool":
        lowered = text.lower()
        return {"true": True, "false": False, "1": True, "0": False}.get(lowered, text)
    if kind in ("long", "int", "real", "decimal"):
        special = {"nan": math.nan, "infinity": math.inf, "-infinity": -math.inf, "∞": math.inf}
        if text.lower() in special:
            return special[text.lower()]
        try:
            return float(text.replace(",", ""))
        except ValueError:
            return text
    if kind == "datetime":
        return parse_datetime(text) or text
    if kind == "timespan":
        ticks = parse_timespan_ticks(re.sub(r"^(\d+):(\d\d:\d\d:\d\d)", r"\1.\2", text))
        return ticks if ticks is not None else text
    if kind == "guid":
        return text.lower()
    if kind == "dynamic":
        return _structure(_rings_from_lowest_vertex(_parse_dynamic(text)), loose_sets)
    return text


def _spaces(text: str) -> str:
    # `&nbsp;` is how the docs print an empty cell.
    collapsed = re.sub(r"\s+", " ", text.replace("<br>", "\n").replace("&nbsp;", " ")).strip()
    # Markdown code: the docs print some cells as `value`.
    code = re.fullmatch(r"`([^`]*)`", collapsed)
    if code:
        collapsed = code.group(1)
    # Markdown autolinks: the docs print a URL cell as <https://...>.
    autolink = re.fullmatch(r"<(https?://[^<>\s]*)>", collapsed)
    return autolink.group(1) if autolink else collapsed


def _parse_dynamic(text: str) -> Any:
    body = text.replace("<br>", " ").strip().strip("`")
    for candidate in (body, body.replace("'", '"')):
        try:
            return json.loads(candidate)
        except ValueError:
            continue
    return body  # a dynamic string is printed bare


def _rotated(ring: Any) -> Any:
    """A closed GeoJSON ring started at its lowest vertex: RFC 7946 gives a ring's first vertex no meaning,
    and Kusto's builder starts a ring computed by a union at a vertex its pages do not document."""
    if not isinstance(ring, list) or len(ring) < 4 or ring[0] != ring[-1]:
        return ring
    open_ring = ring[:-1]
    try:
        start = min(range(len(open_ring)), key=lambda i: tuple(round(float(c), 9) for c in open_ring[i]))
    except (TypeError, ValueError):
        return ring
    turned = open_ring[start:] + open_ring[:start]
    return [*turned, turned[0]]


def _rings_from_lowest_vertex(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    kind = value.get("type")
    if kind == "Polygon" and isinstance(value.get("coordinates"), list):
        return {**value, "coordinates": [_rotated(r) for r in value["coordinates"]]}
    if kind == "MultiPolygon" and isinstance(value.get("coordinates"), list):
        parts = [[_rotated(r) for r in p] if isinstance(p, list) else p for p in value["coordinates"]]
        return {**value, "coordinates": parts}
    if kind == "GeometryCollection" and isinstance(value.get("geometries"), list):
        return {**value, "geometries": [_rings_from_lowest_vertex(g) for g in value["geometries"]]}
    return value


def _structure(value: Any, loose_sets: bool) -> Any:
    if isinstance(value, list):
        items = [_structure(v, loose_sets) for v in value]
        return ("set", sorted(items, key=repr)) if loose_sets else items
    if isinstance(value, dict):
        return {k: _structure(v, loose_sets) for k, v in value.items()}
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return float(value)
    return value


def same(actual: Any, expected: Any) -> bool:
    if isinstance(actual, float) and isinstance(expected, float):
        if math.isnan(actual) or math.isnan(expected):
            return math.isnan(actual) and math.isnan(expected)
        return math.isclose(actual, expected, rel_tol=1e-9, abs_tol=1e-12)
    if isinstance(actual, list) and isinstance(expected, list):
        return len(actual) == len(expected) and all(same(a, e) for a, e in zip(actual, expected, strict=True))
    if isinstance(actual, tuple) and isinstance(expected, tuple):
        return len(actual) == len(expected) and all(same(a, e) for a, e in zip(actual, expected, strict=True))
    if isinstance(actual, dict) and isinstance(expected, dict):
        return actual.keys() == expected.keys() and all(same(actual[k], expected[k]) for k in actual)
    return bool(actual == expected)
