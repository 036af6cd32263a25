"""The user docs' examples work: every ```sh example block of README.md and docs/ runs and exits 0, and
every `kqlrules ...` line in any shell block parses against the CLI as it is (no removed option, no
renamed command). A doc example that stops working fails the suite.

A block marked `sh example` runs in a fresh folder holding a copy of this repository's `queries/`
(and `kqlrules.toml`, `schemas/` where present), with bash's `-e -o pipefail`; a block that shows a
failing command says so itself (`|| test $? -eq 1`). Blocks that need Azure are plain `bash` blocks:
they are parsed, not run.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main

from kqlrules.cli.main import app
from kqlrules.cli.options import RENAMED_OPTIONS

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(?P<info>[^\n`]*)\n(?P<body>.*?)^```", re.MULTILINE | re.DOTALL)
SHELLS = {"sh", "bash", "shell", "console"}


def blocks(kind: str) -> list[tuple[str, str]]:
    found = []
    for path in DOCS:
        text = path.read_text(encoding="utf-8")
        for match in FENCE.finditer(text):
            words = match["info"].split()
            line = text.count("\n", 0, match.start()) + 1
            if not words or words[0] not in SHELLS:
                continue
            if kind == "example" and words[1:2] != ["example"]:
                continue
            found.append((f"{path.relative_to(ROOT)}:{line}", match["body"]))
    return found


EXAMPLES = blocks("example")
SHELL_BLOCKS = blocks("shell")


PLACEHOLDER = re.compile(r"<[A-Za-z][A-Za-z0-9_-]*>")


def commands(body: str) -> list[list[str]]:
    """The `kqlrules` command lines of a block: continuations joined, comments, redirections and the
    rest of the shell cut; a `<placeholder>` stands for some value."""
    joined = PLACEHOLDER.sub("VALUE", re.sub(r"\\\n\s*", " ", body))
    found = []
    for line in joined.splitlines():
        if "test $? -eq 2" in line:
            continue  # an example of a usage error: it must not parse (and it runs, if marked)
        lexer = shlex.shlex(line.replace("$", ""), posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        lexer.commenters = "#"
        words: list[str] = []
        skip = False
        for token in [*lexer, ";"]:
            if skip:
                skip = False
            elif token in (">", ">>", "<", "2>", "&>"):
                skip = True  # the redirection's file
            elif token and set(token) <= set("&|;()"):
                if words[:1] == ["kqlrules"]:
                    found.append(words[1:])
                words = []
            else:
                words.append(token)
    return found


def test_the_docs_have_examples_that_run() -> None:
    assert len(EXAMPLES) >= 5
    assert {where.split(":")[0] for where, _ in EXAMPLES} >= {"README.md", "docs/cli.md"}


@pytest.mark.parametrize(("where", "body"), SHELL_BLOCKS, ids=[w for w, _ in SHELL_BLOCKS])
def test_every_documented_command_line_parses(where: str, body: str) -> None:
    root = typer.main.get_command(app)
    for args in commands(body):
        for old in RENAMED_OPTIONS:
            assert old not in args, f"{where}: {old} is now {RENAMED_OPTIONS[old]}"
        context = root.make_context("kqlrules", list(args), resilient_parsing=False)
        command: object = root
        rest = remaining(context)
        while rest and hasattr(command, "resolve_command"):
            name, command, rest = command.resolve_command(context, rest)  # type: ignore[attr-defined]
            assert command is not None, f"{where}: no command {name!r} in kqlrules {' '.join(args)}"
            context = command.make_context(name, list(rest), parent=context)  # type: ignore[attr-defined]
            rest = remaining(context)


def remaining(context: object) -> list[str]:
    """The words a group left for its subcommand (click keeps the first ones apart)."""
    protected = getattr(context, "protected_args", None) or getattr(context, "_protected_args", [])
    return [*protected, *getattr(context, "args", [])]


@pytest.fixture
def sandbox(tmp_path: Path) -> Path:
    for name in ("queries", "schemas"):
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, tmp_path / name)
    if (ROOT / "kqlrules.toml").is_file():
        shutil.copy(ROOT / "kqlrules.toml", tmp_path / "kqlrules.toml")
    return tmp_path


@pytest.mark.parametrize(("where", "body"), EXAMPLES, ids=[w for w, _ in EXAMPLES])
def test_every_marked_example_runs(where: str, body: str, sandbox: Path) -> None:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    env["KQLRULES_CACHE_DIR"] = str(sandbox / ".cache")
    for role in ("AUTHOR", "COMMITTER"):  # an example may commit
        env[f"GIT_{role}_NAME"], env[f"GIT_{role}_EMAIL"] = "Docs Example", "docs@example.com"
    result = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", body],
        cwd=sandbox,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, f"{where} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"


LINK = re.compile(r"\]\((?P<target>[^)#\s]*)(?:#(?P<anchor>[^)\s]+))?\)")


def anchors(path: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    headings = re.findall(r"^#+\s+(.+)$", path.read_text(encoding="utf-8"), re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-") for heading in headings}


@pytest.mark.parametrize("doc", DOCS, ids=[str(path.relative_to(ROOT)) for path in DOCS])
def test_relative_links_lead_somewhere(doc: Path) -> None:
    # A link is relative to the page it is on: docs/authoring.md links `cli.md`, not `docs/cli.md`.
    broken = []
    for match in LINK.finditer(doc.read_text(encoding="utf-8")):
        target, anchor = match["target"], match["anchor"]
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        linked = (doc.parent / target) if target else doc
        if not linked.exists():
            broken.append(f"{target} (no such file)")
        elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
            broken.append(f"{target}#{anchor} (no such heading)")
    assert not broken, f"{doc.relative_to(ROOT)}: {', '.join(broken)}"
