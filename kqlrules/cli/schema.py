"""Placeholder: this stage is built by its own issue."""

from __future__ import annotations

import typer

from kqlrules.cli.common import not_available


def register(app: typer.Typer) -> None:
    app.command("schema", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})(
        not_available("schema")
    )
