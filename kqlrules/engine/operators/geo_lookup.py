"""evaluate geo_line_lookup(...) and geo_polygon_lookup(...): each input location joined with the lookup rows
whose shape it matches.

The reference (learn.microsoft.com/kusto/query/geo-line-lookup-plugin, geo-polygon-lookup-plugin):
- the result is a join (lookup) of the input and the lookup table, its columns those of the `lookup`
  operator; only matched rows by default, unmatched rows too (the lookup's columns null) with
  `return_unmatched = true`; a location matching several shapes gives a row for each;
- a location matches a line when `geo_distance_point_to_line()` is within the radius; it matches a polygon
  when `geo_point_in_polygon()` holds it, or, with a radius, when `geo_distance_point_to_polygon()` is within
  it; an invalid coordinate or shape matches nothing (those functions give null);
- `join_hint` (and `lookup_area_radius`) only tune how the matching is done, not its result.
The matching itself is `kqlrules.engine.functions.geo_matching`. The pages' versions order the arguments
differently (the key column before or after the coordinates): the
lookup table's column is the key, the input's two columns are longitude then latitude. A distance equal to
the radius (within a rounding) is refused: whether "within" includes the bound is not stated.
"""

from __future__ import annotations

from kqlrules.engine.operators.common import lookup_columns, row_of
from kqlrules.engine.operators.registry import plugin
from kqlrules.engine.relation import Relation
from kqlrules.engine.sql import quote_identifier
from kqlrules.engine.translator import Translator
from kqlrules.kusto import Node

_TUNING = {"join_hint", "lookup_area_radius"}


def _constant(t: Translator, node: Node, source: Relation, kinds: tuple[type, ...], what: str) -> object:
    value = t.expr(node, row_of(source))
    if not value.constant or not isinstance(value.value, kinds) or value.value is None:
        raise t.position.unsupported(f"{what} that is not a constant", node)
    return value.value


def _lookup(
    t: Translator, node: Node, call: Node, source: Relation, name: str, radius_required: bool
) -> Relation:
    args = [a for a in call.arguments() if a.kind != "SimpleNamedExpression"]
    named = {
        t.source(a).split("=")[0].strip(): a.get("Expression")
        for a in call.arguments()
        if a.kind == "SimpleNamedExpression"
    }
    if len(args) < 4:
        raise t.position.unsupported(f"{name} with these arguments", call)
    lookup = t.tabular(args[0])
    lookup_names = {c.name: c for c in lookup.columns}
    source_names = {c.name: c for c in source.columns}
    columns = [t.source(a).strip().strip("[]'\"") for a in args[1:4]]
    keys = [c for c in columns if c in lookup_names and c not in source_names]
    coordinates = [c for c in columns if c in source_names]
    if len(keys) != 1 or len(coordinates) != 2 or lookup_names[keys[0]].type != "dynamic":
        raise t.position.unsupported(f"{name} with these key columns", call)
    key = keys[0]
    longitude, latitude = coordinates
    rest = args[4:]
    radius_node = named.pop("radius", None) or (rest.pop(0) if rest else None)
    flag_node = named.pop("return_unmatched", None) or (rest.pop(0) if rest else None)
    named.pop("return_lookup_key", None)  # which columns come back is the analyzer's output schema
    if any(n not in _TUNING for n in named) or len(rest) > 1:
        raise t.position.unsupported(f"{name} with these arguments", call)
    if radius_required and radius_node is None:
        raise t.position.unsupported(f"{name} without a radius", call)
    radius = None
    if radius_node is not None:
        radius = float(_constant(t, radius_node, source, (int, float), f"{name} with a radius"))  # type: ignore[arg-type]
    keep_unmatched = False
    if flag_node is not None:
        keep_unmatched = bool(_constant(t, flag_node, source, (bool,), f"{name} with a return_unmatched"))
    output = t.output_columns(node)
    parts = lookup_columns(t, node, source_names, lookup_names, keep_unmatched, name)
    lon = f"CAST(l.{quote_identifier(longitude)} AS DOUBLE)"
    lat = f"CAST(l.{quote_identifier(latitude)} AS DOUBLE)"
    shape = f"CAST(r.{quote_identifier(key)} AS VARCHAR)"
    if name == "geo_polygon_lookup" and radius is None:
        on = f"kql_geo_polygon_lookup_holds({lon}, {lat}, {shape})"
    else:
        udf = "kql_geo_line_lookup_match" if name == "geo_line_lookup" else "kql_geo_polygon_lookup_match"
        on = f"{udf}({lon}, {lat}, {shape}, CAST({radius!r} AS DOUBLE))"
    join = "LEFT JOIN" if keep_unmatched else "JOIN"
    sql = (
        f"SELECT {', '.join(parts)} FROM {source.name} AS l {join} {lookup.name} AS r "
        f"ON coalesce({on}, false)"
    )
    return t.ctes.add(sql, output)


@plugin("geo_line_lookup")
def geo_line_lookup(t: Translator, node: Node, call: Node, source: Relation) -> Relation:
    return _lookup(t, node, call, source, "geo_line_lookup", radius_required=True)


@plugin("geo_polygon_lookup")
def geo_polygon_lookup(t: Translator, node: Node, call: Node, source: Relation) -> Relation:
    return _lookup(t, node, call, source, "geo_polygon_lookup", radius_required=False)
