"""The lines of the user's files, read once each, for carets and SARIF snippets."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=256)
def _lines(path: str) -> tuple[str, ...]:
    try:
        return tuple(Path(path).read_bytes().decode("utf-8-sig", errors="replace").splitlines())
    except OSError:
        return ()


def source_line(path: str, line: int) -> str | None:
    lines = _lines(path)
    return lines[line - 1] if 0 < line <= len(lines) else None
