"""The `kqlrules` command: global options, then one module per stage of a detection's life.

Start-up stays fast (`kqlrules --help`, `kqlrules list`): command modules import only typer and the CLI's
own helpers at module level; rich loads when something is drawn, Jinja2 when a template renders, and the
engine, DuckDB and the Azure SDK inside the commands that use them (benchmarks/startup.py measures it;
tests/cli/test_startup_imports.py keeps it so)."""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
            give_short_help(command)

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        def warn(message: str) -> None:
            err_console.print(f"note: {message}", highlight=False, markup=False)

        renamed: Sequence[str] = rewrite_renamed(args, warn)
        return super().parse_args(ctx, list(renamed))


def short_help(text: str) -> str:
    """The first sentence of a command's help, without its parentheses and after-semicolon detail: the
    command list shows that whole instead of cutting the help mid-phrase with "..."."""
    flat = " ".join(text.split())
    sentence = re.split(r"(?<=[.?!])\s", flat, maxsplit=1)[0]
    sentence = re.sub(r"\s*\([^()]*\)", "", sentence).split("; ", 1)[0]
    return sentence.rstrip(".")


def give_short_help(command: Any) -> None:
    """Set `short_help` (if not set) on a command and every subcommand under it."""
    if not getattr(command, "short_help", None) and getattr(command, "help", None):
        command.short_help = short_help(command.help)
    for sub in getattr(command, "commands", {}).values():
        give_short_help(sub)


# The module that registers each top-level command: `kqlrules list` imports kqlrules.cli.authoring and no
# other command module (tests/cli/test_startup_imports.py checks this table against COMMAND_MODULES).
COMMAND_HOME = {
    "setup": "kqlrules.cli.setup",
    "list": "kqlrules.cli.authoring",
    "new": "kqlrules.cli.authoring",
    "render": "kqlrules.cli.authoring",
    "validate": "kqlrules.cli.authoring",
    "lint": "kqlrules.cli.lint",
    "schema": "kqlrules.cli.schema",
    "query": "kqlrules.cli.query",
    "record": "kqlrules.cli.testing",
    "test": "kqlrules.cli.testing",
    "sample": "kqlrules.cli.sample",
    "run": "kqlrules.cli.run",
    "workspace": "kqlrules.cli.run",
    "deploy": "kqlrules.cli.deploy",
    "sources": "kqlrules.cli.sources",
    "coverage": "kqlrules.cli.workflow",
    "export": "kqlrules.cli.workflow",
    "import": "kqlrules.cli.workflow",
    "init": "kqlrules.cli.workflow",
    "version": "kqlrules.cli.workflow",
    "backtest": "kqlrules.cli.backtest",
    "demo": "kqlrules.cli.demo",
}
# Root options that take a value (`--repo DIR`, `--format FORMAT`), skipped when finding the command.
_ROOT_OPTIONS_WITH_VALUE = ("--repo", "--format")


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


def build_app(modules: Iterable[str] = COMMAND_MODULES) -> typer.Typer:
    """The `kqlrules` application with the commands of `modules` (all of them by default)."""
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
    app.callback()(main)
    for name in modules:
        importlib.import_module(name).register(app)
    return app


def command_name(args: Sequence[str]) -> str | None:
    """The top-level command `args` run (`list` in `--repo x list --format json`); None when there is none
    or the arguments are not plain enough to tell (then every command is loaded)."""
    rest = iter(args)
    for arg in rest:
        if arg in _ROOT_OPTIONS_WITH_VALUE:
            next(rest, None)
        elif not arg.startswith(_ROOT_OPTIONS_WITH_VALUE):
            return None if arg.startswith("-") else arg
    return None


if TYPE_CHECKING:
    app: typer.Typer


def __getattr__(name: str) -> Any:
    # `app`, with every command, made on first use (tests and embedders use it; `run` builds its own).
    if name == "app":
        built = build_app()
        globals()["app"] = built
        return built
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def run() -> None:
    """The `kqlrules` script: only the module of the command being run is imported (`--help`, an unknown
    command or anything unusual loads them all, so help and suggestions list every command)."""
    home = COMMAND_HOME.get(command_name(sys.argv[1:]) or "")
    build_app([home] if home else COMMAND_MODULES)()
