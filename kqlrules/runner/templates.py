"""A detection's template rendered for a window: the one way `run`, `demo` and `backtest` turn a window into
a query, so all three give the template the same params (`kqlrules.runner.schedule.template_params`)."""

from __future__ import annotations

from collections.abc import Callable

from kqlrules.errors import Location
from kqlrules.rules import LineMap, LoadedDetection
from kqlrules.runner.runner import ScheduledDetection
from kqlrules.runner.schedule import Window, template_params


class WindowTemplate:
    """Renders per window, and remembers the last rendering's line map so an error in the rendered query
    points into the template.

    With `anchor_now` (a workspace whose `now()` is the real time: Azure), `query_now` is the window's end,
    so the templates' `{{ ago(span) }}` count back from it rather than from the time the window runs."""

    def __init__(self, detection: LoadedDetection, *, anchor_now: bool = False) -> None:
        self.detection = detection
        self.anchor_now = anchor_now
        self._line_map: LineMap | None = None

    def render(self, window: Window) -> str:
        self._line_map = None
        rendered = self.detection.render(template_params(window, anchor_now=self.anchor_now))
        self._line_map = rendered.line_map
        return rendered.text

    def locate(self, line: int, col: int) -> Location | None:
        return None if self._line_map is None else self._line_map.to_template(line, col)

    def scheduled(self, on_render: Callable[[], None] | None = None) -> ScheduledDetection:
        """The detection as the runner takes it; `on_render` is called before each window's rendering (a
        progress bar's step)."""
        if on_render is None:
            return ScheduledDetection(self.detection.meta, self.render, self.locate)

        def render(window: Window) -> str:
            on_render()
            return self.render(window)

        return ScheduledDetection(self.detection.meta, render, self.locate)
