"""Plans whose columns depend on the data: `evaluate bag_unpack(Bag)` without an output schema.

The translation stops with `SchemaFromData`, which carries SQL that reads the bags. The engine runs it, the
bags' keys and value types become an output schema written into the query (`: (*, Key:type, ...)`), and the
rewritten query is planned as any other: the analyzer then knows the new columns for the operators that
follow. Where Kusto's own answer is not documented the rewrite is refused:

- the order of the new columns (the docs show both the bags' order and alphabetical order): the query is
  analyzed with two orders and refused when its result's columns differ between them;
- a key whose values are all null, a string value that may be a datetime, timespan or guid inside the bag (a
  JSON text cannot say), a bag that is not an object, or a key that collides with an input column.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from kqlrules.engine.errors import UnsupportedKql
from kqlrules.table import Column

_TYPED_TEXT = re.compile(
    r"^(\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}.*)?|-?(\d+\.)?\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?|"
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$"
)
CONSTRUCT = "evaluate bag_unpack() without an output schema"


class SchemaFromData(UnsupportedKql):
    """The plan needs the bags first. Callers that cannot run `probe_sql` see an `UnsupportedKql`."""

    def __init__(
        self,
        line: int,
        col: int,
        probe_sql: str,
        offset: int,
        inputs: Sequence[Column],
        prefix: str,
        tables: tuple[str, ...],
    ) -> None:
        super().__init__(f"{CONSTRUCT} (its columns depend on the data)", line, col)
        self.probe_sql = probe_sql  # one column: each row's bag as JSON text
        self.tables = tables  # the tables `probe_sql` reads
        self.offset = offset  # where the query's text takes the output schema
        self.inputs = list(inputs)  # the input's columns but the bag
        self.prefix = prefix

    def refuse(self, why: str) -> UnsupportedKql:
        return UnsupportedKql(f"{CONSTRUCT} {why}", self.line, self.col)

    def schemas(self, bags: Sequence[Any]) -> tuple[str, str]:
        """Two output schemas for the same columns in two orders: the input's then the keys' (sorted), and
        the keys' (reversed) then the input's."""
        keys = self._key_types(bags)
        if not keys and not self.inputs:
            raise self.refuse("into a table without columns")
        names = {c.name.lower() for c in self.inputs}
        for key in keys:
            if (self.prefix + key).lower() in names:
                raise self.refuse(f"of a key named like an input column ({key})")
        if len({(self.prefix + k).lower() for k in keys}) != len(keys):
            raise self.refuse("of keys that differ only by case")
        new = [f"{_name(self.prefix + key)}:{kind}" for key, kind in sorted(keys.items())]
        old = [f"{_name(c.name)}:{c.type}" for c in self.inputs]
        return ", ".join(["*", *new]), ", ".join([*reversed(new), *old])

    def rewrite(self, kql: str, schema: str) -> str:
        return f"{kql[: self.offset]} : ({schema}){kql[self.offset :]}"

    def _key_types(self, bags: Sequence[Any]) -> dict[str, str]:
        seen: dict[str, set[str]] = {}
        for text in bags:
            if text is None:
                continue
            bag = json.loads(text) if isinstance(text, str) else text
            if bag is None:
                continue
            if not isinstance(bag, dict):
                raise self.refuse("of a value that is not a property bag")
            for key, value in bag.items():
                kinds = seen.setdefault(key, set())
                if value is not None:
                    kinds.add(self._kind(key, value))
        types: dict[str, str] = {}
        for key, kinds in seen.items():
            if not kinds:
                raise self.refuse(f"of a key whose values are all null ({key})")
            types[key] = kinds.pop() if len(kinds) == 1 else "dynamic"
        return types

    def _kind(self, key: str, value: Any) -> str:
        if isinstance(value, bool):
            return "bool"
        if isinstance(value, int):
            return "long"
        if isinstance(value, float):
            return "real"
        if isinstance(value, str):
            if _TYPED_TEXT.match(value.strip()):
                raise self.refuse(f"of a text that may be a datetime, timespan or guid in Kusto ({key})")
            return "string"
        return "dynamic"


def _name(name: str) -> str:
    escaped = name.replace("\\", "\\\\").replace("'", "\\'")
    return f"['{escaped}']"
