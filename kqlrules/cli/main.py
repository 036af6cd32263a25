"""The `kqlrules` command: global options, then one module per stage of a detection's life.

Start-up stays fast (`kqlrules --help`, `kqlrules list`): command modules import only typer and the CLI's
own helpers at module level; rich loads when something is drawn, Jinja2 when a template renders, and the
engine, DuckDB and the Azure SDK inside the commands that use them (benchmarks/startup.py measures it;
tests/cli/test_startup_imports.py keeps it so)."""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import typer
import typer.core

from kqlrules.cli.common import AppContext, app_context, err_console, set_format, set_repo
from kqlrules.cli.options import (
    REPO_HELP,
    OutputFormat,
    install_global_options,
    parse_format,
    rewrite_renamed,
)

# Each module has `register(app)`; its commands follow the life of a rule.
COMMAND_MODULES = (
    "kqlrules.cli.setup",
    "kqlrules.cli.authoring",  # list, render, validate, new
    "kqlrules.cli.lint",
    "kqlrules.cli.schema",
    "kqlrules.cli.query",
    "kqlrules.cli.testing",  # test, record
    "kqlrules.cli.sample",  # sample generate
    "kqlrules.cli.run",  # run, workspace serve
    "kqlrules.cli.deploy",
    "kqlrules.cli.sources",  # sources plan, apply, check
    "kqlrules.cli.workflow",  # init, import, export, coverage, version
    "kqlrules.cli.backtest",
    "kqlrules.cli.demo",
)


class KqlrulesGroup(typer.core.TyperGroup):
    """The root command: puts `--repo` and `--format` on every command, reads old option names."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        for command in self.commands.values():
            install_global_options(command, set_repo, set_format)

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        def warn(message: str) -> None:
            err_console.print(f"note: {message}", highlight=False, markup=False)

        renamed: Sequence[str] = rewrite_renamed(args, warn)
        return super().parse_args(ctx, list(renamed))


app = typer.Typer(
    name="kqlrules",
    cls=KqlrulesGroup,
    help="Detection-as-code for Microsoft Sentinel and Azure Monitor: author, lint, test, run, deploy.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    # Plain help and usage errors: rich's help renderer imports markdown and pygments, a third of a
    # second before anything runs; plain text also reads the same in a terminal, a pipe and a CI log.
    rich_markup_mode=None,
)


@app.callback()
def main(
    ctx: typer.Context,
    repo: Path | None = typer.Option(None, "--repo", help=REPO_HELP),
    output_format: str | None = typer.Option(
        None,
        "--format",
        metavar="FORMAT",
        help=f"Output: {', '.join(OutputFormat)}; each command takes those it can write.",
    ),
) -> None:
    ctx.obj = AppContext(repo, parse_format(output_format) or OutputFormat.text)
    app_context(ctx)


for _name in COMMAND_MODULES:
    importlib.import_module(_name).register(app)


def run() -> None:
    app()
