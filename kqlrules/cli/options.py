"""The CLI's one vocabulary: every option more than one command takes is declared here, once.

- `--repo DIR` and `--format F` are global: accepted before the command (`kqlrules --format json list`) or
  after it (`kqlrules list --format json`); `install_global_options` puts them on every command. A command
  says which formats it can write with `@formats(...)`; any other is a usage error (exit 2).
- `--workspace` always names a workspace to *query*: a Log Analytics workspace id (a GUID) or `local:DIR`.
  An ARM resource id is `--workspace-resource-id`; a workspace's name (for ARM calls) is `--workspace-name`.
- `--output/-o PATH` is where a command writes its file or folder; `--env`, `--param`, `--endpoint`,
  `--schemas`, `--now` mean the same on every command that takes them.

Old spellings (`--out`, `query --format table`) still work and say what to write instead.
docs/cli.md documents this vocabulary for users.
"""

from __future__ import annotations

import copy
import functools
import sys
from collections.abc import Callable, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

import typer
import typer.core
import typer.main

F = TypeVar("F", bound=Callable[..., Any])


class OutputFormat(StrEnum):
    """Every output format some command writes; each command accepts its own subset (`@formats`)."""

    text = "text"
    json = "json"
    csv = "csv"
    sarif = "sarif"
    junit = "junit"
    markdown = "markdown"


OUTPUT_FORMATS: tuple[OutputFormat, ...] = tuple(OutputFormat)
DEFAULT_FORMATS: tuple[OutputFormat, ...] = (OutputFormat.text, OutputFormat.json)
# Old names of a format value, still read (with a note on stderr): `query --format table`, and
# `deploy export --format arm` (ARM is now what export writes; its --format is the report's).
FORMAT_ALIASES = {"table": OutputFormat.text, "arm": OutputFormat.text}
_FORMATS_ATTRIBUTE = "__kqlrules_formats__"


def formats(*allowed: OutputFormat) -> Callable[[F], F]:
    """Declare the `--format` values a command writes (default: text and json)."""

    def mark(func: F) -> F:
        setattr(func, _FORMATS_ATTRIBUTE, tuple(allowed))
        return func

    return mark


def command_formats(command: Any) -> tuple[OutputFormat, ...]:
    callback = getattr(command, "callback", None)
    found: tuple[OutputFormat, ...] | None = getattr(callback, _FORMATS_ATTRIBUTE, None)
    return found if found is not None else DEFAULT_FORMATS


# -- the options commands share (use as a parameter's default) --------------------------------------------
REPO_HELP = "Detection repository (default: the nearest folder upwards with queries/)."
WORKSPACE_HELP = "Workspace to query: a Log Analytics workspace id, or local:DIR (a folder of table files)."
ENDPOINT_HELP = (
    "Log Analytics query API endpoint (default Azure's); an http://127.0.0.1 URL is a local server."
)


def workspace_option(*, required: bool = False, default_help: str = "") -> Any:
    """`--workspace ID|local:DIR` (optionally required)."""
    help_text = WORKSPACE_HELP + (f" {default_help}" if default_help else "")
    return typer.Option(... if required else None, "--workspace", help=help_text)


ENDPOINT_OPTION: Any = typer.Option(None, "--endpoint", help=ENDPOINT_HELP)
ENV_OPTION: Any = typer.Option(
    None, "--env", help="Environment of kqlrules.toml whose params (and workspace, targets) apply."
)
PARAM_OPTION: Any = typer.Option(
    [], "--param", metavar="NAME=VALUE", help="Template parameter (repeatable); the name must exist."
)
SCHEMAS_OPTION: Any = typer.Option(
    [], "--schemas", help="Add a schema folder (ours or Sentinel's JSON shape); repeatable."
)
NOW_HELP = "Take this instant as now: what now() and ago() count from (ISO 8601; default: the real time)."
NOW_OPTION: Any = typer.Option(None, "--now", help=NOW_HELP)
WORKSPACE_RESOURCE_ID_HELP = "The workspace's ARM resource id (/subscriptions/.../workspaces/NAME)."
WORKSPACE_NAME_HELP = "The workspace's name (with --subscription and --resource-group)."
ARM_ENDPOINT_HELP = "Azure Resource Manager endpoint (default: the public cloud's; http only on 127.0.0.1)."
DETAILED_EXITCODE_OPTION: Any = typer.Option(
    False,
    "--detailed-exitcode",
    help="Terraform's convention: exit 0 when there is no difference, 2 when there is one, 1 on error.",
)


def output_option(what: str, default: Path | None = None) -> Any:
    """`--output/-o PATH`: the one name for where a command writes its file or folder."""
    return typer.Option(default, "--output", "-o", help=what)


# -- global options on every command ---------------------------------------------------------------------
# Old option names, rewritten before parsing: (old, new). Only where the meaning did not change.
RENAMED_OPTIONS = {"--out": "--output"}


def rewrite_renamed(args: Sequence[str], warn: Callable[[str], None]) -> list[str]:
    """`--out X` -> `--output X` (and `--out=X`), saying so once; nothing after `--` is touched."""
    rewritten: list[str] = []
    rest = False
    for arg in args:
        if rest or arg == "--":
            rest = True
            rewritten.append(arg)
            continue
        name, equals, value = arg.partition("=")
        if name in RENAMED_OPTIONS:
            warn(f"{name} is now {RENAMED_OPTIONS[name]}")
            rewritten.append(RENAMED_OPTIONS[name] + equals + value)
        else:
            rewritten.append(arg)
    return rewritten


@functools.cache
def _global_params() -> tuple[Any, Any]:
    """The `--repo` and `--format` parameters as Typer builds them (from a probe command's signature)."""
    probe = typer.Typer()

    @probe.command()
    def _probe(
        repo: Path | None = typer.Option(None, "--repo", help=REPO_HELP),
        output_format: str | None = typer.Option(None, "--format", metavar="FORMAT"),
    ) -> None:
        """A probe."""

    params = {param.name: param for param in typer.main.get_command(probe).params}
    return params["repo"], params["output_format"]


FormatHandler = Callable[[Any, "OutputFormat | None", tuple[OutputFormat, ...]], None]


def install_global_options(
    command: Any, on_repo: Callable[[Any, Path], None], on_format: FormatHandler
) -> None:
    """Give `command` (and every command below it) its own `--repo` and `--format`, unless it has them.

    A group accepts every format of the commands below it; the command that runs checks its own."""
    repo_template, format_template = _global_params()
    subcommands = list(getattr(command, "commands", {}).values())
    for sub in subcommands:
        install_global_options(sub, on_repo, on_format)
    allowed = command_formats(command)
    for sub in subcommands:
        allowed += tuple(f for f in getattr(sub, _FORMATS_ATTRIBUTE, ()) if f not in allowed)
    setattr(command, _FORMATS_ATTRIBUTE, allowed)
    names = {name for param in command.params for name in getattr(param, "opts", [])}
    if "--repo" not in names:
        repo_param = copy.copy(repo_template)
        repo_param.expose_value = False

        def repo_callback(ctx: Any, _param: Any, value: Path | None) -> None:
            if value is not None:
                on_repo(ctx, value)

        repo_param.callback = repo_callback
        command.params.append(repo_param)
    if "--format" not in names:
        format_param = copy.copy(format_template)
        format_param.expose_value = False
        format_param.help = f"Output: {', '.join(allowed)} (also accepted before the command)."
        format_param.metavar = "|".join(allowed)

        def format_callback(ctx: Any, _param: Any, value: str | None) -> None:
            if not subcommands:
                on_format(ctx, parse_format(value), allowed)
            elif value is not None:  # a group passes it on; the command that runs checks it
                on_format(ctx, parse_format(value), OUTPUT_FORMATS)

        format_param.callback = format_callback
        command.params.append(format_param)


def parse_format(value: str | None) -> OutputFormat | None:
    if value is None:
        return None
    if value in FORMAT_ALIASES:
        sys.stderr.write(f"note: --format {value} is now --format {FORMAT_ALIASES[value]}\n")
        return FORMAT_ALIASES[value]
    try:
        return OutputFormat(value)
    except ValueError:
        known = ", ".join(OutputFormat)
        raise typer.BadParameter(f"{value!r} is not one of {known}", param_hint="'--format'") from None
