"""Where each piece of rendered KQL came from in the templates.

Rendering inserts invisible anchors (private-use characters carrying `template:line:col`) in front of
every run of literal template text and every `{{ expression }}`; `strip_anchors` removes them from the
output and keeps their positions. A place in the rendered KQL then maps back to the nearest anchor at or
before it, through includes and macros, because every template the environment loads gets anchors.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from kqlrules.errors import Location

ANCHOR_START = "\ue000"
ANCHOR_END = "\ue001"
_ANCHOR = re.compile(f"{ANCHOR_START}([^{ANCHOR_END}]*)\t(\\d+)\t(\\d+){ANCHOR_END}")


def anchor(template: str, line: int, col: int) -> str:
    """The invisible mark that says "the text after me starts at template:line:col"."""
    return f"{ANCHOR_START}{template}\t{line}\t{col}{ANCHOR_END}"


@dataclass(frozen=True, order=True)
class Anchor:
    """Rendered (line, col) where template text from (template, line, col) begins; all 1-based."""

    out_line: int
    out_col: int
    template: str
    line: int
    col: int


@dataclass
class LineMap:
    """Maps 1-based line/col of rendered KQL to the template file position it came from."""

    anchors: list[Anchor] = field(default_factory=list)
    # Template names (as the loader knows them) to the paths shown to users.
    paths: dict[str, str] = field(default_factory=dict)
    default_path: str = ""

    def to_template(self, line: int, col: int = 1) -> Location:
        """The template position of rendered `line`:`col`; literal text maps to its exact column."""
        keys = [(a.out_line, a.out_col) for a in self.anchors]
        index = bisect.bisect_right(keys, (line, col)) - 1
        if index < 0:
            return Location(self.default_path, max(line, 1), max(col, 1))
        found = self.anchors[index]
        path = self.paths.get(found.template, found.template)
        if found.out_line == line:
            return Location(path, found.line, found.col + (col - found.out_col))
        # The rendered line has no anchor of its own: an expression's value spans lines.
        return Location(path, found.line, found.col)


def strip_anchors(marked: str) -> tuple[str, list[Anchor]]:
    """Remove the anchors from rendered text and keep where each one was."""
    pieces: list[str] = []
    anchors: list[Anchor] = []
    out_line, out_col = 1, 1
    position = 0
    for match in _ANCHOR.finditer(marked):
        chunk = marked[position : match.start()]
        out_line, out_col = _advance(out_line, out_col, chunk)
        pieces.append(chunk)
        anchors.append(Anchor(out_line, out_col, match.group(1), int(match.group(2)), int(match.group(3))))
        position = match.end()
    pieces.append(marked[position:])
    text = "".join(pieces)
    # A stray anchor character (only if a template tampered with one) must never reach KQL.
    text = text.replace(ANCHOR_START, "").replace(ANCHOR_END, "")
    return text, _last_per_position(anchors)


def _advance(line: int, col: int, chunk: str) -> tuple[int, int]:
    newlines = chunk.count("\n")
    if newlines:
        return line + newlines, len(chunk) - chunk.rfind("\n")
    return line, col + len(chunk)


def _last_per_position(anchors: list[Anchor]) -> list[Anchor]:
    """When several anchors land on one spot (empty runs), the innermost, last one tells the truth."""
    kept: dict[tuple[int, int], Anchor] = {}
    for item in anchors:
        kept[(item.out_line, item.out_col)] = item
    return [kept[key] for key in sorted(kept)]
