"""Rows for people: a table when it fits the terminal, one record per row when it does not.

A Log Analytics table has dozens of columns (SigninLogs: 59); squeezed side by side they become slivers.
Like psql's expanded display (`\\x auto`), rows that do not fit are printed as `name  value` lines, and
columns empty in every row are left out (and counted) so the record shows what the row says."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from kqlrules.cli.common import escape

if TYPE_CHECKING:
    from rich.console import Console

# Narrowest a column can be and still be read; below this the table is not worth drawing.
MIN_READABLE = 8


def fits(console: Console, names: Sequence[str], rows: Sequence[Sequence[str]]) -> bool:
    """Whether a table of these columns fits the console's width without cutting a column below
    `MIN_READABLE` characters (a box drawing costs 3 per column plus 1)."""
    needed = 1
    for i, name in enumerate(names):
        widest = max([len(name), *(len(row[i]) for row in rows)])
        needed += min(widest, max(MIN_READABLE, len(name))) + 3
    return needed <= console.width


def print_table(console: Console, names: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """A rich table when it fits, else vertical records; then the row count."""
    if fits(console, names, rows):
        from rich.table import Table

        view = Table(*(escape(name) for name in names), show_lines=False)
        for row in rows:
            view.add_row(*(escape(value) for value in row))
        console.print(view)
    else:
        print_records(console, names, rows)
    console.print(f"{len(rows)} row(s)", style="dim", highlight=False)


def print_records(console: Console, names: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    from rich.table import Table

    shown = [i for i in range(len(names)) if any(row[i] for row in rows)]
    for number, row in enumerate(rows, start=1):
        console.print(f"[bold]-- row {number} --[/]", highlight=False)
        # A grid: a long value (a dynamic column's JSON) wraps under itself, not under the names.
        record = Table.grid(padding=(0, 2))
        record.add_column(no_wrap=True, style="bold")
        record.add_column(overflow="fold")
        for i in shown:
            if row[i]:
                record.add_row(escape(names[i]), escape(row[i]))
        console.print(record, highlight=False)
    hidden = len(names) - len(shown)
    if hidden and rows:
        console.print(
            f"({hidden} column(s) empty in every row not shown; --columns or --format json)",
            style="dim",
            highlight=False,
        )
