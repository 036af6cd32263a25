"""Reading Microsoft Sentinel analytic rule YAML (the Azure-Sentinel repository's files): one reader for lint,
import and the engine's corpus measure.

Sentinel's own tooling reads these files with PyYAML-compatible parsers, which accept block scalars that the
stricter YAML 1.2 parser ruamel refuses (one published rule indents a continuation line deeper than its first
line); what Sentinel accepts must be read here too, so every reader goes through PyYAML. `compose_rule` keeps
each value's position (lint maps query problems back into the file); `read_rule` gives plain Python values.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import Node

from kqlrules.errors import KqlrulesError, Location, ValidationError
from kqlrules.yaml_bounds import bounded

# The C loader when libyaml is there (10x faster on the 1,063-rule corpus), the same grammar either way.
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class SentinelYamlError(ValidationError):
    """A Sentinel rule file that is not readable YAML, or not a mapping of rule fields."""


def is_rule_file(path: Path) -> bool:
    """`x.yaml`, `x.yml`, and the published oddities `x. yaml` / `x .yaml` (spaces around the suffix)."""
    name = path.name.lower().rstrip()
    stem, dot, suffix = name.rpartition(".")
    return bool(dot and stem.strip()) and suffix.strip() in ("yaml", "yml")


def rule_files(paths: Iterable[Path]) -> list[Path]:
    """Every rule file under `paths` (files are taken as given), in a stable order."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.is_file() and is_rule_file(p)))
        elif path.is_file():
            files.append(path)
        else:
            raise KqlrulesError(f"{path}: no such file or folder")
    return files


def read_text(path: Path, shown: str | None = None) -> str:
    """The file's text (a UTF-8 byte-order mark, which Windows editors write, is dropped)."""
    try:
        return path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise SentinelYamlError(f"cannot read file: {error}", Location.of(shown or path)) from None


def _error(error: yaml.YAMLError, shown: str) -> SentinelYamlError:
    if isinstance(error, yaml.MarkedYAMLError):
        mark = error.problem_mark or error.context_mark
        where = Location.of(shown, mark.line + 1, mark.column + 1) if mark else Location.of(shown)
        problem = error.problem or error.context or "invalid YAML"
        return SentinelYamlError(f"invalid YAML: {problem}", where)
    return SentinelYamlError(f"invalid YAML: {error}", Location.of(shown))


def compose_rule(text: str, shown: str) -> Node | None:
    """The document's node graph, every node with its start mark (0-based line and column)."""
    bounded(text, lambda message, line, col: SentinelYamlError(message, Location.of(shown, line, col)))
    try:
        node: Node | None = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as error:
        raise _error(error, shown) from None
    return node


def parse_rule(text: str, shown: str) -> dict[str, Any]:
    """The rule's fields as plain values; a document that is not a mapping is refused."""
    bounded(text, lambda message, line, col: SentinelYamlError(message, Location.of(shown, line, col)))
    try:
        data = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as error:
        raise _error(error, shown) from None
    if not isinstance(data, dict):
        raise SentinelYamlError("not a Sentinel analytic rule (expected a mapping)", Location.of(shown, 1, 1))
    return data


def read_rule(path: Path, shown: str | None = None) -> dict[str, Any]:
    """`parse_rule` of a file; errors name `shown` (default: the path)."""
    where = shown or str(path)
    return parse_rule(read_text(path, where), where)
