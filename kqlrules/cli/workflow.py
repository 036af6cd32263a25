"""Placeholder: this stage is built by its own issue."""

from __future__ import annotations

import typer

from kqlrules.cli.common import not_available


def register(app: typer.Typer) -> None:
    app.command("init", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})(
        not_available("init")
    )
    app.command("import", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})(
        not_available("import")
    )
    app.command("export", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})(
        not_available("export")
    )
    app.command("coverage", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})(
        not_available("coverage")
    )
    app.command("backtest", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})(
        not_available("backtest")
    )
    app.command("version", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})(
        not_available("version")
    )
