"""The package's shape: each room (a sub-package of kqlrules) is used by the others only through the names
its `__init__` exports, so a room can rearrange its modules without breaking the others."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "kqlrules"


def cross_room_submodule_imports(package: Path) -> list[str]:
    """`path:line: module` for every import of another room's submodule (lazy imports in functions too)."""
    rooms = {p.name for p in package.iterdir() if (p / "__init__.py").is_file()}
    found = []
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(package).parts
        room = parts[0] if len(parts) > 1 else None
        if room is None and path.name == "__main__.py":
            continue  # `python -m kqlrules` runs the CLI's entry point: the one module it exists to start
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            modules: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                modules = [node.module]
            elif isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            for module in modules:
                names = module.split(".")
                if names[0] == package.name and len(names) > 2 and names[1] in rooms and names[1] != room:
                    found.append(f"{path.relative_to(package.parent)}:{node.lineno}: {module}")
    return found


def test_rooms_import_each_other_only_through_their_public_face() -> None:
    assert cross_room_submodule_imports(PACKAGE) == []


def test_a_submodule_import_across_rooms_is_found_and_one_within_a_room_is_not(tmp_path: Path) -> None:
    package = tmp_path / "kqlrules"
    for room in ("engine", "runner"):
        (package / room).mkdir(parents=True)
        (package / room / "__init__.py").write_text("")
    (package / "engine" / "translator.py").write_text("X = 1\n")
    (package / "engine" / "plan.py").write_text("from kqlrules.engine.translator import X\n")
    (package / "runner" / "run.py").write_text(
        "from kqlrules.engine import X\n\ndef f():\n    import kqlrules.engine.translator\n"
    )
    assert cross_room_submodule_imports(package) == ["kqlrules/runner/run.py:4: kqlrules.engine.translator"]
