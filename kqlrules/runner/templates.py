"""A detection's template rendered for a window: the one way `run`, `demo` and `backtest` turn a window into
a query, so all three give the template the same params (`kqlrules.runner.schedule.template_params`)."""

from __future__ import annotations

from collections.abc import Callable

from kqlrules.errors import Location
from kqlrules.rules import QUERY_NOW, LineMap, LoadedDetection, RenderedQuery, TemplateReads
from kqlrules.runner.runner import ScheduledDetection
from kqlrules.runner.schedule import Window, template_params

# The params whose values change from window to window (`template_params`).
WINDOW_PARAMS = frozenset(
    {"window_start", "window_end", "window_frequency", "window_period", "window_basis", QUERY_NOW}
)
# Globals whose output is not the same every call: `ago` reads `query_now` (kqlrules.rules.clock), Jinja's
# `lipsum` is random text.
_CHANGING_GLOBALS = frozenset({"ago", "lipsum"})


class WindowTemplate:
    """Renders per window, and remembers the last rendering's line map so an error in the rendered query
    points into the template.

    With `anchor_now` (a workspace whose `now()` is the real time: Azure), `query_now` is the window's end,
    so the templates' `{{ ago(span) }}` count back from it rather than from the time the window runs.

    A template that reads none of the window's params renders the same text every window: it is rendered
    once and reused (line map included) while its files stay as they were."""

    def __init__(self, detection: LoadedDetection, *, anchor_now: bool = False) -> None:
        self.detection = detection
        self.anchor_now = anchor_now
        self._line_map: LineMap | None = None
        self._reads: TemplateReads | None = None
        self._reads_read = False
        # The rendering every window shares, and the reading of the templates that allowed it.
        self._fixed: tuple[RenderedQuery, TemplateReads] | None = None

    def render(self, window: Window) -> str:
        self._line_map = None
        reads = self._current_reads()
        if self._fixed is not None and self._fixed[1] is reads:
            self._line_map = self._fixed[0].line_map
            return self._fixed[0].text
        self._fixed = None
        rendered = self.detection.render(template_params(window, anchor_now=self.anchor_now))
        self._line_map = rendered.line_map
        if reads is not None and not reads.names & self._changing():
            self._fixed = (rendered, reads)
        return rendered.text

    def _current_reads(self) -> TemplateReads | None:
        """What the templates read: found once, again when one of them changed on disk."""
        if not self._reads_read or (
            self._reads is not None and not self.detection.template_unchanged(self._reads)
        ):
            self._reads = self.detection.template_reads()
            self._reads_read = True
        return self._reads

    def _changing(self) -> frozenset[str]:
        """The names whose value differs between windows; `ago` only with `query_now` set."""
        return WINDOW_PARAMS | (_CHANGING_GLOBALS if self.anchor_now else frozenset({"lipsum"}))

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
