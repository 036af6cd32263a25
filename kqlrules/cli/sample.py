"""`kqlrules sample generate`: write the sample tenant's week as a local workspace folder."""

from __future__ import annotations

from pathlib import Path

import typer

from kqlrules.cli.common import (
    OutputFormat,
    app_context,
    console,
    escape,
    instant_option,
    print_json,
    user_errors,
)
from kqlrules.cli.options import output_option

DEFAULT_OUT = Path("sample-workspace")
# kqlrules.sample's DEFAULT_SEED and DEFAULT_DAYS (tests/cli checks they agree), kept here so that
# `kqlrules --help` does not import the sample tenant's generators.
DEFAULT_SEED = 7
DEFAULT_DAYS = 7


def register(app: typer.Typer) -> None:
    sample = typer.Typer(help="The sample tenant: a week of logs with attack stories to test detections on.")
    app.add_typer(sample, name="sample")

    @sample.command("generate")
    @user_errors
    def generate_command(
        ctx: typer.Context,
        output: Path = output_option("Folder to write <Table>.jsonl files into.", DEFAULT_OUT),
        seed: int = typer.Option(DEFAULT_SEED, "--seed", help="Same seed, same bytes."),
        start: str | None = typer.Option(
            None, "--start", help="First day, ISO 8601 (default: a fixed Monday, 2026-11-02)."
        ),
        days: int = typer.Option(DEFAULT_DAYS, "--days", help="Length of the week (at least 4)."),
    ) -> None:
        """Write a deterministic week of the tenant "contoso", with the stories the pack must catch."""
        from kqlrules.datetimes import format_datetime_milliseconds
        from kqlrules.sample import generate

        begin = instant_option(start, "--start") if start is not None else None
        result = generate(output, seed=seed, start=begin, days=days)
        if app_context(ctx).format is OutputFormat.json:
            print_json(
                {
                    "folder": str(result.folder),
                    "seed": result.seed,
                    "start": format_datetime_milliseconds(result.start),
                    "end": format_datetime_milliseconds(result.end),
                    "rows": result.row_counts,
                    "stories": [story.as_dict() for story in result.stories],
                }
            )
            return
        from rich.table import Table

        table = Table("story", "when (UTC)", "fires", "must not fire", box=None)
        for story in sorted(result.stories, key=lambda s: s.start):
            table.add_row(
                escape(story.name),
                f"{story.start:%a %Y-%m-%d %H:%M}",
                escape(", ".join(story.fires) or "-"),
                escape(", ".join(story.must_not_fire) or "-"),
            )
        console.print(table)
        rows = ", ".join(f"{name} {count}" for name, count in result.row_counts.items())
        console.print(
            f"Wrote {result.folder}: {rows} rows ({result.start:%Y-%m-%d} to {result.end:%Y-%m-%d}).",
            markup=False,
        )
