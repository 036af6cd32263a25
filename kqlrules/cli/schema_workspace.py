"""`kqlrules schema pull` and `kqlrules schema diff`: a real workspace's tables against the committed ones."""

from __future__ import annotations

import typer


def register_workspace_commands(group: typer.Typer) -> None:
    pass
