"""An unknown name in a query: say where the schemas it was checked against came from, and how to get the
workspace's own. A lint error on a real column of a real table blocks a pull request; the user needs to
tell a stale or incomplete schema (fixed by `kqlrules schema pull`) from a typo."""

from __future__ import annotations

from collections.abc import Iterable

from kqlrules.kusto import SchemaSet

# Kusto.Language's "The name 'x' does not refer to any known column, table, variable or function." and
# "... does not refer to any known table, tabular variable or function."
UNKNOWN_NAME = "KS142"
UNKNOWN_TABLE = "KS204"
_PULL = (
    "`kqlrules schema pull --workspace-resource-id <resource id>` writes your workspace's own tables to "
    "schemas/"
)


def unknown_name_hint(code: str, tables: Iterable[str], schemas: SchemaSet) -> str:
    read = [schemas.tables[name] for name in dict.fromkeys(tables) if name in schemas.tables]
    if code == UNKNOWN_TABLE or not read:
        return (
            " No table or function of that name is in the schemas (kqlrules' built-in set, the repository's"
            f" schemas/); {_PULL}."
        )
    known = "; ".join(f"{table.name}: {table.provenance()}" for table in read[:3])
    return f" Columns checked against {known}. If the workspace has this column, {_PULL}."
