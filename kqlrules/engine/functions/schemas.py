"""`buildschema()`: the minimal schema that admits every value of a dynamic column.

A schema is a type name (`long`, `double`, `string`), a container (`{name: schema}`, an array being
`{"`indexer`": schema}`) or a union (`[schema, ...]`) of distinct members, containers merged into one member,
in the order the values first show them (the reference's example: `x` is 1 then "somevalue", its schema
`["long", "string"]`). Null values are skipped. Booleans, datetimes and empty arrays stop the query: the
reference does not name their schema.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from kqlrules.engine.functions.registry import Call, TranslationContext, aggregate
from kqlrules.engine.functions.support import Refusal, as_dynamic
from kqlrules.engine.sql import Sql

INDEXER = "`indexer`"

# A schema while it is built: an ordered list of members, each a type name or a dict of member lists.
Members = list[Any]


def _members_of(value: Any) -> Members:
    if isinstance(value, bool):
        raise Refusal("buildschema() of a boolean value: the reference does not name its schema")
    if isinstance(value, int):
        return ["long"]
    if isinstance(value, float):
        return ["double"]
    if isinstance(value, str):
        return ["string"]
    if isinstance(value, dict):
        container: dict[str, Members] = {}
        for key, item in value.items():
            if item is not None:
                container[key] = _merge(container.get(key, []), _members_of(item))
        return [container]
    if isinstance(value, list):
        present = [item for item in value if item is not None]
        if not present:
            raise Refusal("buildschema() of an empty array: the reference does not name its schema")
        elements: Members = []
        for item in present:
            elements = _merge(elements, _members_of(item))
        return [{INDEXER: elements}]
    raise Refusal(f"buildschema() of {value!r}")


def _merge(left: Members, right: Members) -> Members:
    out = list(left)
    for member in right:
        if isinstance(member, dict):
            index = next((i for i, m in enumerate(out) if isinstance(m, dict)), None)
            if index is None:
                out.append(member)
            else:
                merged = dict(out[index])
                for key, members in member.items():
                    merged[key] = _merge(merged.get(key, []), members)
                out[index] = merged
        elif member not in out:
            out.append(member)
    return out


def _render(members: Members) -> Any:
    rendered = [
        {key: _render(value) for key, value in m.items()} if isinstance(m, dict) else m for m in members
    ]
    return rendered[0] if len(rendered) == 1 else rendered


def build_schema(values_text: str) -> str | None:
    members: Members = []
    for value in json.loads(values_text):
        if value is not None:
            members = _merge(members, _members_of(value))
    return json.dumps(_render(members)) if members else None


@aggregate("buildschema")
def buildschema(ctx: TranslationContext, call: Call) -> Sql:
    if len(call.args) != 1:
        raise ctx.unsupported(f"buildschema() with {len(call.args)} arguments")
    value = as_dynamic(call.args[0])
    collected = f"CAST(to_json(list({value})) AS VARCHAR)"
    return Sql(f"CAST(kql_build_schema({collected}) AS JSON)", "dynamic")


PYTHON_FUNCTIONS: list[tuple[str, Callable[..., Any], list[str], str]] = [
    ("kql_build_schema", build_schema, ["VARCHAR"], "VARCHAR"),
]
