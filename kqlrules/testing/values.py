"""Fixture and expectation values as the column's Kusto type holds them: the workspace's exact reading of a
cell (`kqlrules.workspace.to_kusto`, which explains the rules), with one addition for tests: a datetime may
be written relative to the case's pinned `now` (`now`, `-2h`, `now-30m`; see `kqlrules.testing.times`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kqlrules.testing.times import TimeFormatError, parse_time
from kqlrules.workspace import CellTypeError, to_kusto


def coerce(value: object, kusto_type: str, now: datetime | None, *, from_text: bool = False) -> Any:
    """`value` as a `kusto_type` column holds it; `from_text` for CSV cells, where everything is text."""
    # An empty CSV cell is no value; everything else in a datetime column may be relative to `now`.
    if kusto_type == "datetime" and value is not None and not (from_text and value == ""):
        try:
            return parse_time(value, now)
        except TimeFormatError as error:
            raise CellTypeError(str(error)) from None
    return to_kusto(value, kusto_type, from_text=from_text)
