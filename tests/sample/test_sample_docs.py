"""`docs/sample-tenant.md` tells the truth about the default week."""

from __future__ import annotations

from pathlib import Path

from kqlrules.sample import GeneratedTenant
from kqlrules.sample.docs import stories_markdown


def test_the_stories_table_matches_the_generator(week: GeneratedTenant, project_root: Path) -> None:
    written = (project_root / "docs" / "sample-tenant.md").read_text(encoding="utf-8")
    assert written == stories_markdown(week), (
        'docs/sample-tenant.md is stale; regenerate it with: python -c "import tempfile, pathlib; '
        "from kqlrules.sample import generate; from kqlrules.sample.docs import stories_markdown; "
        "d = tempfile.mkdtemp(); pathlib.Path('docs/sample-tenant.md').write_text("
        'stories_markdown(generate(pathlib.Path(d))))"'
    )
