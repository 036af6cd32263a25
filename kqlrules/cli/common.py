"""What every command shares: the repository, the output format, and turning user errors into messages."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar, cast

import typer

from kqlrules.cli.options import OutputFormat
from kqlrules.datetimes import parse_datetime
from kqlrules.errors import KqlrulesError, UsageProblem

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["AppContext", "OutputFormat", "UsageProblem", "app_context", "user_errors"]

P = ParamSpec("P")
R = TypeVar("R")


class _ConsoleOnFirstUse:
    """A rich Console made the first time it is used. rich costs ~30 ms of start-up, which `--help` and the
    `--format json` paths never need (benchmarks/startup.py); every attribute is the real console's."""

    def __init__(self, **options: Any) -> None:
        object.__setattr__(self, "_options", options)
        object.__setattr__(self, "_console", None)

    def _real(self) -> Console:
        made: Console | None = object.__getattribute__(self, "_console")
        if made is None:
            from rich.console import Console

            made = Console(**object.__getattribute__(self, "_options"))
            object.__setattr__(self, "_console", made)
        return made

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real(), name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._real(), name, value)


console = cast("Console", _ConsoleOnFirstUse())
err_console = cast("Console", _ConsoleOnFirstUse(stderr=True))


def real_console(shown: Console) -> Console:
    """The rich Console itself, for rich's own machinery (a progress bar, a live display)."""
    return shown._real() if isinstance(shown, _ConsoleOnFirstUse) else shown


def escape(markup: str) -> str:
    """rich's `escape` (so text prints as written, never as markup), loading rich on first use."""
    from rich.markup import escape as rich_escape

    return rich_escape(markup)


@dataclass
class AppContext:
    repo_option: Path | None
    format: OutputFormat = OutputFormat.text

    @property
    def repo(self) -> Path:
        """The `--repo` folder, or the nearest folder upwards that has `queries/`."""
        if self.repo_option is not None:
            folder = self.repo_option.expanduser().resolve()
            if not folder.is_dir():
                raise KqlrulesError(
                    f"--repo {self.repo_option}: no such folder ({folder})",
                    hint="pass the folder of a detection repository (the one with queries/)",
                )
            return folder
        here = Path.cwd().resolve()
        for folder in (here, *here.parents):
            if (folder / "queries").is_dir():
                return folder
        raise KqlrulesError(
            "no detection repository here: no folder upwards has queries/",
            hint="run inside a kqlrules repository or pass --repo DIR",
        )


def app_context(ctx: typer.Context) -> AppContext:
    root = ctx.find_root()
    obj = root.obj
    if not isinstance(obj, AppContext):
        obj = AppContext(None, OutputFormat.text)
        root.obj = obj
    return obj


def set_repo(ctx: typer.Context, value: Path) -> None:
    """`--repo` given after the command: the same as before it."""
    app_context(ctx).repo_option = value


def set_format(ctx: typer.Context, value: OutputFormat | None, allowed: tuple[OutputFormat, ...]) -> None:
    """`--format` after the command wins over one before it; either must be one the command writes."""
    context = app_context(ctx)
    if value is not None:
        context.format = value
    if context.format not in allowed:
        command = ctx.command_path.removeprefix(ctx.find_root().command_path).strip() or "kqlrules"
        raise typer.BadParameter(
            f"{command} writes {', '.join(allowed)}, not {context.format}", param_hint="'--format'"
        )


# The whole CLI's exit codes (docs/cli.md): 0 ok, 1 a failure or findings, 2 a usage error.
EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
# With --detailed-exitcode (Terraform's `plan -detailed-exitcode`): 2 means "there are differences".
EXIT_DIFFERENCES = 2


def exit_for_differences(differences: bool, *, detailed: bool, differences_fail: bool) -> None:
    """End a command that compares (deploy plan/drift, schema diff) with the CLI's one convention.

    Without `--detailed-exitcode`, differences exit 1 where they are findings (`differences_fail`: drift,
    schema diff) and 0 where they are the expected output (a plan). With it: 0 none, 2 some, as
    Terraform's plan does (https://developer.hashicorp.com/terraform/cli/commands/plan#detailed-exitcode)."""
    if not differences:
        return
    if detailed:
        raise typer.Exit(EXIT_DIFFERENCES)
    if differences_fail:
        raise typer.Exit(EXIT_FAILURE)


def instant_option(value: str, option: str) -> datetime:
    """An option's ISO 8601 date or date-time (`2026-11-02`, `2026-11-02T06:00Z`); no zone means UTC."""
    try:
        return parse_datetime(value)
    except ValueError:
        raise UsageProblem(
            f"{option} {value!r} is not an ISO 8601 date or date-time such as 2026-11-02 or 2026-11-02T06:00Z"
        ) from None


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


def print_error(message: str) -> None:
    """`error: message` on stderr; the message is the user's text, never read as rich markup."""
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)


def print_warning(message: str) -> None:
    err_console.print(f"[yellow]warning:[/] {escape(message)}", highlight=False, soft_wrap=True)


def user_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Report a `KqlrulesError` (or a file system error on a path the user gave) as a message and exit 1:
    a user's mistake is never a traceback."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except UsageProblem as error:
            print_error(str(error))
            raise typer.Exit(EXIT_USAGE) from None
        except KqlrulesError as error:
            print_error(str(error))
            raise typer.Exit(EXIT_FAILURE) from None
        except OSError as error:
            # A folder that cannot be made, a file that cannot be written: the user's path, not our bug.
            where = f"{error.filename}: " if error.filename else ""
            print_error(f"{where}{error.strerror or error}")
            raise typer.Exit(EXIT_FAILURE) from None

    return wrapper
