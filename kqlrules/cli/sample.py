"""`kqlrules sample generate`: write the sample tenant's week as a local workspace folder."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from kqlrules.cli.common import OutputFormat, app_context, console, instant_option, print_json, user_errors
from kqlrules.sample import DEFAULT_DAYS, DEFAULT_SEED, generate
from kqlrules.sample.timeline import format_datetime

DEFAULT_OUT = Path("sample-workspace")


def register(app: typer.Typer) -> None:
    sample = typer.Typer(help="The sample tenant: a week of logs with attack stories to test detections on.")
    app.add_typer(sample, name="sample")

    @sample.command("generate")
    @user_errors
    def generate_command(
        ctx: typer.Context,
        out: Path = typer.Option(DEFAULT_OUT, "--out", help="Folder to write <Table>.jsonl files into."),
        seed: int = typer.Option(DEFAULT_SEED, "--seed", help="Same seed, same bytes."),
        start: str | None = typer.Option(
            None, "--start", help="First day, ISO 8601 (default: a fixed Monday, 2026-11-02)."
        ),
        days: int = typer.Option(DEFAULT_DAYS, "--days", help="Length of the week (at least 4)."),
    ) -> None:
        """Write a deterministic week of the tenant "contoso", with the stories the pack must catch."""
        begin = instant_option(start, "--start") if start is not None else None
        result = generate(out, seed=seed, start=begin, days=days)
        if app_context(ctx).format is OutputFormat.json:
            print_json(
                {
                    "folder": str(result.folder),
                    "seed": result.seed,
                    "start": format_datetime(result.start),
                    "end": format_datetime(result.end),
                    "rows": result.row_counts,
                    "stories": [story.as_dict() for story in result.stories],
                }
            )
            return
        table = Table("story", "when (UTC)", "fires", "must not fire", box=None)
        for story in sorted(result.stories, key=lambda s: s.start):
            table.add_row(
                story.name,
                f"{story.start:%a %Y-%m-%d %H:%M}",
                ", ".join(story.fires) or "-",
                ", ".join(story.must_not_fire) or "-",
            )
        console.print(table)
        rows = ", ".join(f"{name} {count}" for name, count in result.row_counts.items())
        console.print(
            f"Wrote {result.folder}: {rows} rows ({result.start:%Y-%m-%d} to {result.end:%Y-%m-%d})."
        )
