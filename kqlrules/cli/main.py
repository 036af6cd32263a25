"""The `kqlrules` command: global options, then one module per stage of a detection's life."""

from __future__ import annotations

import importlib
from pathlib import Path

import typer

from kqlrules.cli.common import AppContext, OutputFormat

# Each module has `register(app)`; its commands follow the life of a rule.
COMMAND_MODULES = (
    "kqlrules.cli.setup",
    "kqlrules.cli.authoring",  # list, render, validate
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

app = typer.Typer(
    name="kqlrules",
    help="Detection-as-code for Microsoft Sentinel and Azure Monitor: author, lint, test, run, deploy.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def main(
    ctx: typer.Context,
    repo: Path | None = typer.Option(
        None, "--repo", help="Detection repository (default: nearest with queries/)."
    ),
    output_format: OutputFormat = typer.Option(
        OutputFormat.text, "--format", help="Output for people or machines."
    ),
) -> None:
    ctx.obj = AppContext(repo, output_format)


for _name in COMMAND_MODULES:
    importlib.import_module(_name).register(app)


def run() -> None:
    app()
