"""externaldata over local files: `csv`, `tsv`, `txt`/`raw` (one line a row), `json`/`multijson`.

A remote URL is read from what the engine maps it to (`LocalEngine(externaldata={url: path or EMPTY})`, see
`kqlrules.engine.external`); an unmapped one is refused, never fetched. An `EMPTY` source is no rows of the
declared columns, whatever its format and properties say (there is no file to read them from).
"""

from __future__ import annotations

from kqlrules.engine.context import Row
from kqlrules.engine.external import Empty
from kqlrules.engine.names import name_text
from kqlrules.engine.operators.registry import operator
from kqlrules.engine.relation import Relation
from kqlrules.engine.sql import quote_identifier, quote_string
from kqlrules.engine.translator import Translator
from kqlrules.engine.types import DUCKDB_TYPES
from kqlrules.kusto import Node
from kqlrules.table import Column

_FORMATS = {"csv": ",", "tsv": "\t", "psv": "|", "scsv": ";", "txt": None, "raw": None}


def _properties(t: Translator, node: Node) -> dict[str, object]:
    found: dict[str, object] = {}
    clause = node.get("WithClause")
    for prop in clause.elements("Properties") if clause is not None else []:
        name_node, value_node = prop.get("Name"), prop.get("Expression")
        if name_node is None or value_node is None:
            raise t.position.unsupported("this externaldata property", prop)
        value = t.expr(value_node, Row.empty())
        found[name_text(name_node).lower()] = value.value
    return found


def _cast(column: Column, text: str) -> str:
    if column.type == "string":
        return f"coalesce({text}, '')"
    if column.type == "dynamic":
        return f"TRY_CAST({text} AS JSON)"
    if column.type == "timespan":
        raise ValueError("timespan")
    return f"TRY_CAST({text} AS {DUCKDB_TYPES[column.type]})"


@operator("ExternalDataExpression")
def externaldata(t: Translator, node: Node, source: Relation | None) -> Relation:
    if source is not None:
        raise t.position.semantic("externaldata takes no input table", node)
    output = t.output_columns(node)
    props = _properties(t, node)
    fmt = str(props.get("format", "csv")).lower()
    if fmt not in _FORMATS and fmt not in ("json", "multijson"):
        raise t.position.unsupported(f"externaldata format {fmt}", node)
    skip = 1 if props.get("ignorefirstrecord") is True else 0
    unknown = set(props) - {"format", "ignorefirstrecord"}
    selects = []
    for uri_node in node.elements("URIs"):
        uri = t.expr(uri_node, Row.empty())
        if not uri.constant or not isinstance(uri.value, str):
            raise t.position.unsupported("externaldata with a computed URI", uri_node)
        path = t.external_path(uri.value, uri_node)
        if isinstance(path, Empty):
            selects.append(_empty(output))
            continue
        if unknown:  # e.g. zippattern: a file read as is would not be what Kusto reads
            raise t.position.unsupported(f"the externaldata property {sorted(unknown)[0]}", node)
        selects.append(_read(t, node, path, fmt, skip, output))
    if not selects:
        raise t.position.semantic("externaldata needs at least one URI", node)
    return t.ctes.add(" UNION ALL ".join(selects), output)


def _empty(output: list[Column]) -> str:
    nulls = [f"CAST(NULL AS {DUCKDB_TYPES[c.type]}) AS {quote_identifier(c.name)}" for c in output]
    return f"SELECT {', '.join(nulls) or 'NULL AS __kql_empty'} WHERE FALSE"


def _read(t: Translator, node: Node, path: str, fmt: str, skip: int, output: list[Column]) -> str:
    names = ", ".join(f"{quote_string(c.name)}: 'VARCHAR'" for c in output)
    try:
        if fmt in ("json", "multijson"):
            source = f"read_json({quote_string(path)}, format='auto', columns={{{names}}})"
        elif _FORMATS[fmt] is None:
            if len(output) != 1:
                raise t.position.unsupported(f"externaldata format {fmt} with several columns", node)
            source = (
                f"read_csv({quote_string(path)}, header=false, delim='\\x1f', quote='', escape='', "
                f"skip={skip}, columns={{{names}}}, auto_detect=false)"
            )
        else:
            delim = quote_string(_FORMATS[fmt] or ",")
            source = (
                f"read_csv({quote_string(path)}, header=false, delim={delim}, quote='\"', skip={skip}, "
                f"columns={{{names}}}, auto_detect=false, null_padding=true)"
            )
        parts = [f"{_cast(c, quote_identifier(c.name))} AS {quote_identifier(c.name)}" for c in output]
    except ValueError:
        raise t.position.unsupported("externaldata of timespan columns", node) from None
    return f"SELECT {', '.join(parts)} FROM {source}"
