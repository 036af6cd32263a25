"""What every command shares: the repository, the output format, and turning user errors into messages."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from functools import wraps
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import typer
from rich.console import Console

from kqlrules.errors import KqlrulesError

P = ParamSpec("P")
R = TypeVar("R")

console = Console()
err_console = Console(stderr=True)


class OutputFormat(StrEnum):
    text = "text"
    json = "json"


@dataclass
class AppContext:
    repo_option: Path | None
    format: OutputFormat

    @property
    def repo(self) -> Path:
        """The `--repo` folder, or the nearest folder upwards that has `queries/`."""
        if self.repo_option is not None:
            return self.repo_option.resolve()
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


def instant_option(value: str, option: str) -> datetime:
    """An option's ISO 8601 date or date-time (`2026-11-02`, `2026-11-02T06:00Z`); no zone means UTC."""
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise KqlrulesError(
            f"{option} {value!r} is not an ISO 8601 date or date-time such as 2026-11-02 or 2026-11-02T06:00Z"
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


def user_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Report a `KqlrulesError` (or a file system error on a path the user gave) as a message and exit 1:
    a user's mistake is never a traceback."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except KqlrulesError as error:
            err_console.print(f"[bold red]error:[/] {error}", markup=True, highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None
        except OSError as error:
            # A folder that cannot be made, a file that cannot be written: the user's path, not our bug.
            where = f"{error.filename}: " if error.filename else ""
            message = f"{where}{error.strerror or error}"
            err_console.print(f"[bold red]error:[/] {message}", markup=True, highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None

    return wrapper


def not_available(feature: str) -> Callable[..., None]:
    def command() -> None:
        err_console.print(f"kqlrules {feature}: not available yet in this version.")
        raise typer.Exit(2)

    command.__doc__ = f"{feature.capitalize()} (not available yet)."
    return command
