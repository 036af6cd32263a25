"""How a file's path is shown to the user: relative to where they stand when it is below it."""

from __future__ import annotations

from pathlib import Path


def shown(path: Path) -> str:
    """`queries/identity/x.yaml` when run from the repository, the absolute path otherwise."""
    absolute = path.absolute()
    try:
        return absolute.relative_to(Path.cwd().absolute()).as_posix()
    except ValueError:
        return str(absolute)
