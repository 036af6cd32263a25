"""Progress for long work (demo, lint, test, import, backtest, run catch-up): a rich bar with counts and
rate on stderr when it is a terminal; nothing at all when output is piped or machine-readable."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from kqlrules.cli.common import err_console, real_console

T = TypeVar("T")
Advance = Callable[..., None]


def _ignore(*_args: object, **_kwargs: object) -> None:
    return None


@contextmanager
def progress_for(label: str, total: int | None, *, show: bool = True) -> Iterator[Advance]:
    """`with progress_for("testing", 120) as advance: ... advance()` (or `advance(description="x")`).
    `total=None` is work of unknown size (a count and a rate, no bar's end).

    Shown only when `show` and stderr is a terminal: a CI log or a pipe gets no bar and no escape codes."""
    if not show or not err_console.is_terminal:
        yield _ignore
        return
    from rich.markup import escape
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    class RateColumn(TaskProgressColumn):
        """Items per second (rich's own speed column is for bytes)."""

        def render(self, task):  # type: ignore[no-untyped-def]
            from rich.text import Text

            speed = task.finished_speed or task.speed
            return Text("" if speed is None else f"{speed:,.1f}/s", style="progress.data.speed")

    with Progress(
        TextColumn(f"[bold]{escape(label)}[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
        console=real_console(err_console),
        transient=True,
    ) as progress:
        task = progress.add_task("", total=total)

        def advance(steps: int = 1, *, description: str | None = None, more: int = 0) -> None:
            """`steps` done; `more` items of work found (a total learned as the work goes)."""
            if more:
                current = progress.tasks[task].total or 0
                progress.update(task, total=current + more)
            if description is None:
                progress.update(task, advance=steps)
            else:
                progress.update(task, advance=steps, description=escape(description))

        yield advance


def counted(items: Iterable[T], advance: Advance) -> Iterator[T]:
    """`items`, advancing the bar as each one is taken."""
    for item in items:
        yield item
        advance()
