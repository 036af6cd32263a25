"""`kqlrules setup`: install what kqlrules runs beside Python (Microsoft's Kusto analyzer, via npm)."""

from __future__ import annotations

import typer

from kqlrules.cli.common import console, user_errors


def register(app: typer.Typer) -> None:
    @app.command("setup")
    @user_errors
    def setup(force: bool = typer.Option(False, "--force", help="Reinstall even if present.")) -> None:
        """Install the pinned Kusto analyzer (npm @kusto/language-service-next) for lint, test and query."""
        from kqlrules.kusto import install

        home = install(force=force)
        console.print(f"Kusto analyzer ready in {home}", markup=False)
