"""Placeholder: this stage is built by its own issue."""

from __future__ import annotations

import typer

from kqlrules.cli.common import not_available


def register(app: typer.Typer) -> None:
    app.command("test", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})(
        not_available("test")
    )
    app.command("record", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})(
        not_available("record")
    )
