"""`kqlrules init`: a new detection repository with one example detection, its tests and the CI workflow."""

from __future__ import annotations

import secrets
import uuid
from pathlib import Path

from kqlrules import __version__
from kqlrules.errors import KqlrulesError
from kqlrules.rules import load_repository
from kqlrules.workflow.versions import write_lock

SCAFFOLD = Path(__file__).with_name("scaffold")
WORKFLOW_TEMPLATE = SCAFFOLD / "detections.yml"
EXAMPLE_AREA = "identity"


def workflow_text(install: str) -> str:
    """The detections workflow with its install step; kqlrules' own repository installs from source."""
    return WORKFLOW_TEMPLATE.read_text(encoding="utf-8").replace("__INSTALL__", install)


def new_repository_identity(directory: Path) -> str:
    """A new repository's deploy identity: its git origin's `owner/name` when it is a clone, else its
    folder's name with a random suffix, so two new repositories in folders of one name never share it."""
    from kqlrules.deploy import git_origin, repository_identity

    origin = git_origin(directory) if directory.is_dir() else None
    return repository_identity(origin or f"{directory.resolve().name}-{secrets.token_hex(4)}")


def scaffold(directory: Path) -> list[Path]:
    """Write the repository's files; refuses to overwrite anything that exists."""
    files: dict[Path, str] = {
        Path("kqlrules.toml"): (SCAFFOLD / "kqlrules.toml")
        .read_text(encoding="utf-8")
        .replace("__REPOSITORY__", new_repository_identity(directory)),
        Path("README.md"): (SCAFFOLD / "README.md").read_text(encoding="utf-8"),
        Path("schemas/.gitkeep"): "",
        # The runner's state, the demo's output and analysis caches live in .kqlrules/: not content.
        Path(".gitignore"): ".kqlrules/\n",
        Path(".github/workflows/detections.yml"): workflow_text(
            f'pip install "kqlrules=={__version__}" && kqlrules setup'
        ),
    }
    for source in sorted((SCAFFOLD / "example").iterdir()):
        text = source.read_text(encoding="utf-8").replace("__ID__", str(uuid.uuid4()))
        files[Path("queries") / EXAMPLE_AREA / source.name] = text
    clashes = [str(directory / p) for p in files if (directory / p).exists()]
    if clashes:
        raise KqlrulesError(f"not overwriting existing files: {', '.join(clashes)}")
    written = []
    for relative, text in files.items():
        target = directory / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        written.append(target)
    # The lock starts with the example in it, so the first pull request's `version check` is green.
    repository = load_repository(directory, strict=True)
    written.append(write_lock(repository.queries_dir, repository.detections))
    return written
