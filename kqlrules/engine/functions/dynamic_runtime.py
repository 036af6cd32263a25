"""Arrays and property bags (Kusto's dynamic) in pure Python: each function takes and returns JSON text.

A variadic Kusto function receives its arguments as one JSON array (`args`). None is Kusto's null.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections.abc import Callable
from typing import Any

from kqlrules.engine.functions import jsonpath
from kqlrules.engine.functions.support import Refusal

MAX_RANGE = 1_048_576


def _load(text: str) -> Any:
    return json.loads(text)


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _array(text: str) -> list[Any] | None:
    value = _load(text)
    return value if isinstance(value, list) else None


def _key(value: Any) -> str:
    """Identity of a value for set operations: 1 and 1.0 are one element."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _dump(value)


def array_length(text: str) -> int | None:
    array = _array(text)
    return None if array is None else len(array)


def array_concat(args: str) -> str | None:
    arrays = _load(args)
    out: list[Any] = []
    for item in arrays:
        if not isinstance(item, list):
            return None
        out.extend(item)
    return _dump(out)


def _index(position: int, length: int) -> int:
    return position + length if position < 0 else position


def array_slice(text: str, start: int, end: int) -> str | None:
    array = _array(text)
    if array is None:
        return None
    first, last = _index(start, len(array)), _index(end, len(array))
    first = max(first, 0)
    return _dump(array[first : last + 1] if last >= first else [])


def array_reverse(text: str) -> str | None:
    array = _array(text)
    return None if array is None else _dump(array[::-1])


def array_index_of(text: str, lookup: str, start: int, length: int, occurrence: int) -> int | None:
    array = _array(text)
    if array is None:
        return None
    if start < 0:
        start = max(len(array) + start, 0)
    if start > len(array) or occurrence <= 0:
        return -1
    window = array[start:] if length < 0 else array[start : start + length]
    wanted, seen = _key(_load(lookup)), 0
    for offset, item in enumerate(window):
        if _key(item) == wanted:
            seen += 1
            if seen == occurrence:
                return start + offset
    return -1


def _sort_key(value: Any) -> tuple[int, Any]:
    if isinstance(value, bool):
        return (3, _dump(value))
    if isinstance(value, int | float):
        return (1, value)
    if isinstance(value, str):
        return (2, value)
    return (3, _dump(value))


def array_sort(args: str, descending: bool, nulls_last: bool) -> str | None:
    """Sorts the first array; further arrays are reordered the same way, and each that differs in length from
    the first is null. Returns the arrays as one array. Mixed elements sort numbers first, then strings, then
    the others (array-sort-asc-function.md); a string that may be a datetime, a timespan or a guid (which sort
    with the numbers, or after the strings) among other kinds is refused: dynamic JSON does not tell them
    apart."""
    arrays = _load(args)
    if not arrays or not isinstance(arrays[0], list):
        return None
    first = arrays[0]
    kinds = {_sort_key(v)[0] for v in first if v is not None}
    if len(kinds) > 1 and any(isinstance(v, str) and _TYPED_STRING.match(v) for v in first):
        raise Refusal(
            "array_sort_asc()/array_sort_desc() of mixed elements with datetime, timespan or guid text"
        )
    present = [i for i, v in enumerate(first) if v is not None]
    missing = [i for i, v in enumerate(first) if v is None]
    # Each kind sorts apart, in the documented order of kinds whichever the direction.
    groups: dict[int, list[int]] = {}
    for index in present:
        groups.setdefault(_sort_key(first[index])[0], []).append(index)
    present = []
    for kind in sorted(groups):
        present += sorted(groups[kind], key=lambda i: _sort_key(first[i])[1], reverse=descending)
    order = present + missing if nulls_last else missing + present
    return _dump(
        [[a[i] for i in order] if isinstance(a, list) and len(a) == len(first) else None for a in arrays]
    )


# ISO datetimes, clock timespans and guids, as they appear inside dynamic values.
_TYPED_STRING = re.compile(
    r"^\d{4}-\d{2}-\d{2}T|^-?(\d+\.)?\d{2}:\d{2}:\d{2}|^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
)


def array_sum(text: str) -> float | None:
    array = _array(text)
    if array is None:
        return None
    total = 0.0
    for value in array:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        total += value
    return total


def array_rotate(text: str, shift: int) -> str | None:
    """Rotate left by `shift` (right when negative)."""
    array = _array(text)
    if array is None:
        return None
    if not array:
        return _dump(array)
    shift %= len(array)
    return _dump(array[shift:] + array[:shift])


def array_shift(text: str, shift: int, fill: str) -> str | None:
    """Shift left by `shift` (right when negative), filling with `fill`."""
    array = _array(text)
    if array is None:
        return None
    filler = _load(fill)
    size = len(array)
    if shift >= 0:
        kept = array[shift:] if shift < size else []
        return _dump(kept + [filler] * (size - len(kept)))
    shift = -shift
    kept = array[: size - shift] if shift < size else []
    return _dump([filler] * (size - len(kept)) + kept)


def array_split(text: str, indices: str) -> str | None:
    array = _array(text)
    if array is None:
        return None
    raw = _load(indices)
    cuts = raw if isinstance(raw, list) else [raw]
    if not all(isinstance(c, int) and not isinstance(c, bool) for c in cuts):
        return None
    bounds = [max(0, min(_index(c, len(array)), len(array))) for c in cuts]
    # array-split-function.md: N+1 arrays, [0..i1), [i1..i2), ... [iN..length). Indices out of order or
    # repeated are not discussed (the page's examples increase): refused rather than sorted or merged.
    if any(later <= earlier for earlier, later in itertools.pairwise(bounds)):
        raise Refusal("array_split() of indices that do not increase")
    parts, previous = [], 0
    for bound in bounds:
        parts.append(array[previous:bound])
        previous = bound
    parts.append(array[previous:])
    return _dump(parts)


def array_iff(conditions: str, when_true: str, when_false: str) -> str | None:
    flags = _array(conditions)
    if flags is None:
        return None
    yes, no = _load(when_true), _load(when_false)

    def pick(source: Any, i: int) -> Any:
        if isinstance(source, list):
            return source[i] if i < len(source) else None
        return source

    out: list[Any] = []
    for i, flag in enumerate(flags):
        if flag is None or not isinstance(flag, bool | int | float):
            out.append(None)
        else:
            out.append(pick(yes, i) if flag else pick(no, i))
    return _dump(out)


def bag_keys(text: str) -> str | None:
    bag = _load(text)
    return _dump(list(bag)) if isinstance(bag, dict) else None


def _path(key: str) -> list[str]:
    """`$.a.b` or `$['a']` (jsonpath.md's subset, names only: array indexing is not supported by the bag
    functions) or a plain key; `ValueError` for any other path."""
    if not key.startswith("$"):
        return [key]
    steps = jsonpath.parse(key)
    if not steps or any(isinstance(step, int) for step in steps):
        raise ValueError(key)
    return [str(step) for step in steps]


def bag_has_key(text: str, key: str) -> bool | None:
    bag = _load(text)
    if not isinstance(bag, dict):
        return None
    try:
        steps = _path(key)
    except ValueError:
        return None
    node: Any = bag
    for step in steps:
        if not isinstance(node, dict) or step not in node:
            return False
        node = node[step]
    return True


def _tree_paths(value: Any, prefix: str, out: list[str]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if "'" in key or "\\" in key:
                raise Refusal(f"treepath() of the key {key!r}: how Kusto escapes it is not documented")
            path = f"{prefix}['{key}']"
            if path not in out:
                out.append(path)
            _tree_paths(item, path, out)
    elif isinstance(value, list) and value:
        # Every element is at `[0]`: the reference lists one index for a whole array.
        path = f"{prefix}[0]"
        if path not in out:
            out.append(path)
        for item in value:
            _tree_paths(item, path, out)


def treepath(text: str) -> str | None:
    """The paths of a property bag's values, depth first, as the reference lists them: `['a']`, an array's
    elements as `['a'][0]`. Of a value that is not a bag the reference says nothing: the query stops."""
    value = _load(text)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise Refusal("treepath() of a value that is not a property bag is not documented")
    out: list[str] = []
    _tree_paths(value, "", out)
    return _dump(out)


def bag_set_key(text: str, key: str, value: str) -> str | None:
    """The bag with `key` (a name or a JSONPath of names) set to `value`, missing levels created. A path
    through a value that is not a bag, or with array indexing, is not documented and stops the query."""
    bag = _load(text)
    if not isinstance(bag, dict):
        return None
    try:
        steps = _path(key)
    except ValueError as error:
        raise Refusal(f"bag_set_key() with the key {key!r}: not a documented path") from error
    if not steps or any(not step for step in steps):
        raise Refusal(f"bag_set_key() with the key {key!r}: not a documented path")
    result = json.loads(_dump(bag))
    node = result
    for step in steps[:-1]:
        child = node.setdefault(step, {})
        if not isinstance(child, dict):
            raise Refusal(f"bag_set_key() through {step!r}, which is not a property bag")
        node = child
    node[steps[-1]] = _load(value)
    return _dump(result)


def bag_merge(args: str) -> str | None:
    merged: dict[str, Any] = {}
    for bag in _load(args):
        if not isinstance(bag, dict):
            continue
        for key, value in bag.items():
            merged.setdefault(key, value)
    return _dump(merged)


def bag_remove_keys(text: str, keys: str) -> str | None:
    bag = _load(text)
    wanted = _load(keys)
    if not isinstance(bag, dict) or not isinstance(wanted, list):
        return None
    result = json.loads(_dump(bag))
    for key in wanted:
        if not isinstance(key, str):
            continue
        try:
            steps = _path(key)
        except ValueError as error:
            # bag-remove-keys-function.md: keys are names or JSONPath; "Array indexing isn't supported".
            raise Refusal(f"bag_remove_keys() with the key {key!r}: not a documented path") from error
        node = result
        for step in steps[:-1]:
            node = node.get(step) if isinstance(node, dict) else None
        if isinstance(node, dict):
            node.pop(steps[-1], None)
    return _dump(result)


def bag_zip(keys: str, values: str) -> str | None:
    names, items = _load(keys), _load(values)
    if not isinstance(names, list):
        return None
    if not isinstance(items, list):
        items = []  # values that are no array: every key gets null, as the reference shows
    bag: dict[str, Any] = {}
    for i, name in enumerate(names):
        if isinstance(name, str):
            bag[name] = items[i] if i < len(items) else None
    return _dump(bag)


def _sets(args: str) -> list[list[Any]] | None:
    arrays = _load(args)
    if not all(isinstance(a, list) for a in arrays):
        return None
    return list(arrays)


def set_union(args: str) -> str | None:
    arrays = _sets(args)
    if arrays is None:
        return None
    seen: dict[str, Any] = {}
    for array in arrays:
        for value in array:
            seen.setdefault(_key(value), value)
    return _dump(list(seen.values()))


def set_intersect(args: str) -> str | None:
    arrays = _sets(args)
    if arrays is None:
        return None
    others = [{_key(v) for v in a} for a in arrays[1:]]
    seen: dict[str, Any] = {}
    for value in arrays[0]:
        key = _key(value)
        if all(key in other for other in others):
            seen.setdefault(key, value)
    return _dump(list(seen.values()))


def set_difference(args: str) -> str | None:
    arrays = _sets(args)
    if arrays is None:
        return None
    excluded = {_key(v) for a in arrays[1:] for v in a}
    seen: dict[str, Any] = {}
    for value in arrays[0]:
        key = _key(value)
        if key not in excluded:
            seen.setdefault(key, value)
    return _dump(list(seen.values()))


def set_has_element(text: str, value: str) -> bool | None:
    array = _array(text)
    if array is None:
        return None
    wanted = _key(_load(value))
    return any(_key(v) == wanted for v in array)


def jaccard_index(left: str, right: str) -> float | None:
    a, b = _array(left), _array(right)
    if a is None or b is None:
        return None
    sa, sb = {_key(v) for v in a}, {_key(v) for v in b}
    union = sa | sb
    return len(sa & sb) / len(union) if union else math.nan


def zip_arrays(args: str) -> str | None:
    arrays = _sets(args)
    if arrays is None:
        return None
    longest = max((len(a) for a in arrays), default=0)
    return _dump([[a[i] if i < len(a) else None for a in arrays] for i in range(longest)])


def numeric_range(start: float, stop: float, step: float, integral: bool) -> str | None:
    if step == 0 or math.isnan(start) or math.isnan(stop) or math.isnan(step):
        return None
    values: list[Any] = []
    value = start
    while (step > 0 and value <= stop) or (step < 0 and value >= stop):
        values.append(int(value) if integral else value)
        if len(values) >= MAX_RANGE:
            break
        value = start + step * len(values)
    return _dump(values)


def repeat(value: str, count: int) -> str | None:
    if count < 0:
        return None
    if count > MAX_RANGE:
        # range-function.md truncates at 1,048,576 values; repeat-function.md states no limit, so a longer
        # array is refused rather than cut the same way.
        raise Refusal("repeat() of more than 1,048,576 elements (its page states no limit)")
    return _dump([_load(value)] * count)


def codepoints_to_string(args: str) -> str | None:
    """The text of code points given as numbers or arrays of numbers."""
    points: list[Any] = []
    for item in _load(args):
        points.extend(item if isinstance(item, list) else [item])
    try:
        return "".join(chr(int(p)) for p in points)
    except (TypeError, ValueError, OverflowError):
        return None


def dynamic_to_json(text: str) -> str:
    """Canonical JSON text: property bags with their keys sorted."""
    return json.dumps(_load(text), ensure_ascii=False, separators=(",", ":"), sort_keys=True)


_T, _L, _B, _D = "VARCHAR", "BIGINT", "BOOLEAN", "DOUBLE"
PYTHON_FUNCTIONS: list[tuple[str, Callable[..., Any], list[str], str]] = [
    ("kql_array_length", array_length, [_T], _L),
    ("kql_array_concat", array_concat, [_T], _T),
    ("kql_array_slice", array_slice, [_T, _L, _L], _T),
    ("kql_array_reverse", array_reverse, [_T], _T),
    ("kql_array_index_of", array_index_of, [_T, _T, _L, _L, _L], _L),
    ("kql_array_sort", array_sort, [_T, _B, _B], _T),
    ("kql_array_sum", array_sum, [_T], _D),
    ("kql_array_rotate", array_rotate, [_T, _L], _T),
    ("kql_array_shift", array_shift, [_T, _L, _T], _T),
    ("kql_array_split", array_split, [_T, _T], _T),
    ("kql_array_iff", array_iff, [_T, _T, _T], _T),
    ("kql_bag_keys", bag_keys, [_T], _T),
    ("kql_bag_has_key", bag_has_key, [_T, _T], _B),
    ("kql_bag_merge", bag_merge, [_T], _T),
    ("kql_bag_remove_keys", bag_remove_keys, [_T, _T], _T),
    ("kql_bag_set_key", bag_set_key, [_T, _T, _T], _T),
    ("kql_treepath", treepath, [_T], _T),
    ("kql_bag_zip", bag_zip, [_T, _T], _T),
    ("kql_set_union", set_union, [_T], _T),
    ("kql_set_intersect", set_intersect, [_T], _T),
    ("kql_set_difference", set_difference, [_T], _T),
    ("kql_set_has_element", set_has_element, [_T, _T], _B),
    ("kql_jaccard_index", jaccard_index, [_T, _T], _D),
    ("kql_zip", zip_arrays, [_T], _T),
    ("kql_numeric_range", numeric_range, [_D, _D, _D, _B], _T),
    ("kql_repeat", repeat, [_T, _L], _T),
    ("kql_codepoints_to_string", codepoints_to_string, [_T], _T),
    ("kql_dynamic_to_json", dynamic_to_json, [_T], _T),
]


_EARTH_RADIUS_METERS = 6_371_010.0


def _great_circle(a: list[float], b: list[float]) -> float:
    lon1, lat1, lon2, lat2 = (math.radians(v) for v in (a[0], a[1], b[0], b[1]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * _EARTH_RADIUS_METERS * math.asin(min(math.sqrt(h), 1.0))


def _point(value: Any) -> list[float] | None:
    if not isinstance(value, list) or len(value) != 2:
        return None
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value):
        return None
    lon, lat = float(value[0]), float(value[1])
    return [lon, lat] if -180 <= lon <= 180 and -90 <= lat <= 90 else None


def geo_line_length(text: str) -> float | None:
    lines = _line_points(text)
    if lines is None:
        return None
    return sum(_great_circle(a, b) for line in lines for a, b in itertools.pairwise(line))


PYTHON_FUNCTIONS.append(("kql_geo_line_length", geo_line_length, [_T], _D))


def _unit_vector(point: list[float]) -> tuple[float, float, float]:
    lon, lat = math.radians(point[0]), math.radians(point[1])
    return (math.cos(lat) * math.cos(lon), math.cos(lat) * math.sin(lon), math.sin(lat))


def _cross(a: tuple[float, ...], b: tuple[float, ...]) -> tuple[float, float, float]:
    return (a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0])


def _dot(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


def _angle(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    return math.atan2(math.sqrt(_dot(_cross(a, b), _cross(a, b))), _dot(a, b))


def _angle_to_edge(p: tuple[float, ...], a: tuple[float, ...], b: tuple[float, ...]) -> float:
    """The angle from a point to a great-circle edge: to its interior when the point projects inside it."""
    normal = _cross(a, b)
    size = math.sqrt(_dot(normal, normal))
    if size == 0:
        return _angle(p, a)
    if _dot(_cross(normal, a), p) > 0 and _dot(_cross(b, normal), p) > 0:
        return abs(math.asin(max(-1.0, min(1.0, _dot(p, normal) / size))))
    return min(_angle(p, a), _angle(p, b))


def _line_points(text: str) -> list[list[list[float]]] | None:
    shape = _load(text)
    if not isinstance(shape, dict):
        return None
    kind, coordinates = shape.get("type"), shape.get("coordinates")
    lines = [coordinates] if kind == "LineString" else coordinates if kind == "MultiLineString" else None
    if not isinstance(lines, list) or not lines:
        return None
    parsed: list[list[list[float]]] = []
    for line in lines:
        points = [_point(p) for p in line] if isinstance(line, list) else []
        if len(points) < 2 or any(p is None for p in points):
            return None
        parsed.append([p for p in points if p is not None])
    return parsed


def geo_distance_point_to_line(longitude: float, latitude: float, text: str) -> float | None:
    point = _point([longitude, latitude])
    lines = _line_points(text)
    if point is None or lines is None:
        return None
    p = _unit_vector(point)
    edges = [
        _angle_to_edge(p, _unit_vector(a), _unit_vector(b))
        for line in lines
        for a, b in itertools.pairwise(line)
    ]
    return min(edges) * _EARTH_RADIUS_METERS


PYTHON_FUNCTIONS.append(("kql_geo_distance_point_to_line", geo_distance_point_to_line, [_D, _D, _T], _D))


def _lat_lon(v: tuple[float, ...]) -> list[float]:
    return [math.degrees(math.atan2(v[1], v[0])), math.degrees(math.atan2(v[2], math.hypot(v[0], v[1])))]


def _slerp(a: tuple[float, ...], b: tuple[float, ...], t: float) -> tuple[float, ...]:
    theta = _angle(a, b)
    if theta == 0:
        return a
    k1, k2 = math.sin((1 - t) * theta) / math.sin(theta), math.sin(t * theta) / math.sin(theta)
    return tuple(k1 * x + k2 * y for x, y in zip(a, b, strict=True))


def _single_line(text: str) -> list[tuple[float, ...]] | None:
    shape = _load(text)
    if not isinstance(shape, dict) or shape.get("type") != "LineString":
        return None
    lines = _line_points(text)
    return None if lines is None else [_unit_vector(p) for p in lines[0]]


def geo_line_interpolate_point(text: str, fraction: float) -> str | None:
    """The point at `fraction` (0..1) of a LineString's great-circle length, as a GeoJSON Point."""
    points = _single_line(text)
    if points is None or not 0 <= fraction <= 1:
        return None
    lengths = [_angle(a, b) for a, b in itertools.pairwise(points)]
    target, walked = fraction * sum(lengths), 0.0
    for (a, b), length in zip(itertools.pairwise(points), lengths, strict=True):
        if walked + length >= target and length > 0:
            return _dump({"type": "Point", "coordinates": _lat_lon(_slerp(a, b, (target - walked) / length))})
        walked += length
    return _dump({"type": "Point", "coordinates": _lat_lon(points[-1])})


def _along_edge(p: tuple[float, ...], a: tuple[float, ...], b: tuple[float, ...]) -> tuple[float, float]:
    """(angular distance from the point to the edge, angular distance from a to the point's foot)."""
    normal = _cross(a, b)
    size = math.sqrt(_dot(normal, normal))
    if size > 0 and _dot(_cross(normal, a), p) > 0 and _dot(_cross(b, normal), p) > 0:
        unit = tuple(x / size for x in normal)
        foot = tuple(x - _dot(p, unit) * n for x, n in zip(p, unit, strict=True))
        return _angle_to_edge(p, a, b), _angle(a, foot)
    to_a, to_b = _angle(p, a), _angle(p, b)
    return (to_a, 0.0) if to_a <= to_b else (to_b, _angle(a, b))


def geo_line_locate_point(text: str, longitude: float, latitude: float) -> float | None:
    """The fraction (0..1) of a LineString's length at the point of the line closest to the given point."""
    points, point = _single_line(text), _point([longitude, latitude])
    if points is None or point is None:
        return None
    p = _unit_vector(point)
    total = sum(_angle(a, b) for a, b in itertools.pairwise(points))
    if total == 0:
        return None
    best: tuple[float, float] | None = None
    walked = 0.0
    for a, b in itertools.pairwise(points):
        distance, along = _along_edge(p, a, b)
        if best is None or distance < best[0]:
            best = (distance, walked + along)
        walked += _angle(a, b)
    return None if best is None else best[1] / total


PYTHON_FUNCTIONS.append(("kql_geo_line_interpolate_point", geo_line_interpolate_point, [_T, _D], _T))
PYTHON_FUNCTIONS.append(("kql_geo_line_locate_point", geo_line_locate_point, [_T, _D, _D], _D))


def geo_closest_point_on_line(longitude: float, latitude: float, text: str) -> str | None:
    """The point of a (Multi)LineString nearest to the given point, as a GeoJSON Point."""
    point, lines = _point([longitude, latitude]), _line_points(text)
    if point is None or lines is None:
        return None
    p = _unit_vector(point)
    best: tuple[float, tuple[float, ...]] | None = None
    for line in lines:
        for a, b in itertools.pairwise([_unit_vector(q) for q in line]):
            distance, along = _along_edge(p, a, b)
            theta = _angle(a, b)
            foot = _slerp(a, b, along / theta) if theta > 0 else a
            if best is None or distance < best[0]:
                best = (distance, foot)
    return None if best is None else _dump({"type": "Point", "coordinates": _lat_lon(best[1])})


PYTHON_FUNCTIONS.append(("kql_geo_closest_point_on_line", geo_closest_point_on_line, [_D, _D, _T], _T))


def _orientation(a: tuple[float, ...], b: tuple[float, ...], c: tuple[float, ...]) -> int:
    value = _dot(_cross(a, b), c)
    return (value > 0) - (value < 0)


def _on_arc(p: tuple[float, ...], a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return _orientation(a, b, p) == 0 and abs(_angle(a, p) + _angle(p, b) - _angle(a, b)) <= 1e-12


def _edges_cross(
    a: tuple[float, ...], b: tuple[float, ...], c: tuple[float, ...], d: tuple[float, ...]
) -> bool:
    """Whether two great-circle edges meet: a proper crossing (S2's sign tests) or a touching point."""
    if a in (c, d) or b in (c, d):
        return True
    acb, bda = -_orientation(a, b, c), _orientation(a, b, d)
    cbd, dac = -_orientation(c, d, b), _orientation(c, d, a)
    if 0 in (acb, bda, cbd, dac):
        return _on_arc(c, a, b) or _on_arc(d, a, b) or _on_arc(a, c, d) or _on_arc(b, c, d)
    return acb == bda == cbd == dac


def geo_intersects_2lines(first: str, second: str) -> bool | None:
    lines_a, lines_b = _line_points(first), _line_points(second)
    if lines_a is None or lines_b is None:
        return None
    edges_a = [(_unit_vector(a), _unit_vector(b)) for line in lines_a for a, b in itertools.pairwise(line)]
    edges_b = [(_unit_vector(a), _unit_vector(b)) for line in lines_b for a, b in itertools.pairwise(line)]
    return any(_edges_cross(a, b, c, d) for a, b in edges_a for c, d in edges_b)


def _ring(value: Any) -> list[list[float]] | None:
    """A closed ring of at least three distinct vertices, with no repeated consecutive vertex and no two
    non-adjacent edges meeting; None when it is not one."""
    if not isinstance(value, list) or len(value) < 4:
        return None
    points = [_point(p) for p in value]
    if any(p is None for p in points):
        return None
    ring = [p for p in points if p is not None]
    if (
        ring[0] != ring[-1]
        or any(a == b for a, b in itertools.pairwise(ring))
        or len({tuple(p) for p in ring}) < 3
    ):
        return None
    vectors = [_unit_vector(p) for p in ring]
    edges = list(itertools.pairwise(vectors))
    for i, (a, b) in enumerate(edges):
        for j in range(i + 2, len(edges)):
            if i == 0 and j == len(edges) - 1:
                continue  # the closing edge meets the first at the shared vertex
            if _edges_cross(a, b, *edges[j]):
                return None
    return ring


PYTHON_FUNCTIONS.append(("kql_geo_intersects_2lines", geo_intersects_2lines, [_T, _T], _B))
