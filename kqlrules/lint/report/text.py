"""Lint findings for people: grouped by file, each with its source line and a caret under the span."""

from __future__ import annotations

from itertools import groupby

from rich.console import Console
from rich.markup import escape

from kqlrules.lint.findings import Severity, counts
from kqlrules.lint.report.source import source_line
from kqlrules.lint.runner import LintRun

_STYLE = {Severity.error: "bold red", Severity.warning: "yellow", Severity.note: "cyan"}


def render_text(run: LintRun, console: Console) -> None:
    for path, group in groupby(run.findings, key=lambda finding: finding.location.path):
        console.print(f"[bold]{escape(path)}[/]", soft_wrap=True)
        for finding in group:
            where = finding.location
            # As Location prints it: no column when none is known (a template error knows only its line).
            position = (
                "-" if where.line <= 0 else f"{where.line}:{where.col}" if where.col > 0 else f"{where.line}"
            )
            style = _STYLE[finding.severity]
            console.print(
                f"  {position}: [{style}]{finding.severity.value}[/] [dim]{escape(finding.code)}[/] "
                f"{escape(finding.message)}",
                highlight=False,
                soft_wrap=True,
            )
            line = source_line(where.path, where.line) if where.line > 0 else None
            if line is not None and where.col > 0:
                width = max((finding.end_col or where.col + 1) - where.col, 1)
                text = line.expandtabs(1)
                console.print(f"    {escape(text)}", highlight=False, soft_wrap=True)
                console.print(f"    {' ' * (where.col - 1)}[{style}]{'^' * width}[/]", highlight=False)
        console.print()
    total = counts(run.findings)
    console.print(
        f"{_count(run.units, 'file')}, {_count(run.queries, 'query', 'queries')}: "
        f"{_count(total['error'], 'error')}, {_count(total['warning'], 'warning')}, "
        f"{_count(total['note'], 'note')}",
        highlight=False,
    )


def _count(number: int, one: str, many: str | None = None) -> str:
    return f"{number} {one if number == 1 else many or one + 's'}"
