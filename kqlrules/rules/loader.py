"""Reading one detection's `<name>.yaml` with every value's position kept, so that any problem found by
the model is reported at `path:line:col`."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import pydantic

from kqlrules.errors import Location, ValidationError
from kqlrules.rules.model import Detection
from kqlrules.rules.paths import shown
from kqlrules.yaml_bounds import shape_problem


class MetadataError(ValidationError):
    """A detection's YAML is not valid YAML or does not describe a valid detection."""


def read_yaml(path: Path) -> Any:
    """The YAML document with positions (ruamel round-trip nodes); a syntax error names its line:col.

    ruamel is imported here, not at the top: a valid file never needs it (see `check_metadata`)."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise MetadataError(f"cannot read file: {error}", Location.of(shown(path))) from None
    too_complex = shape_problem(text)
    if too_complex is not None:
        location = Location.of(shown(path), too_complex.line, too_complex.col)
        raise MetadataError(too_complex.message, location)
    try:
        return YAML(typ="rt").load(text)
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        problem = ": ".join(part for part in (error.context, error.problem) if part) or "invalid YAML"
        raise MetadataError(f"invalid YAML: {problem}", Location.of(shown(path), line, col)) from None
    except YAMLError as error:
        raise MetadataError(f"invalid YAML: {error}", Location.of(shown(path))) from None


def load_metadata(path: Path) -> tuple[Detection, Any]:
    """The validated detection and its position-keeping document; the first problem is raised."""
    problems, detection, document = check_metadata(path)
    if detection is None:
        raise problems[0]
    return detection, document


def check_metadata(
    path: Path, model: type[pydantic.BaseModel] = Detection
) -> tuple[list[MetadataError], Any, Any]:
    """Every problem in one metadata file (all of pydantic's errors, each at its place); `model` is
    Detection, or IncidentCreationRule for a query-less incident-creation rule.

    A valid file is read once by libyaml (fast, no positions) and its document comes back as None: the
    position-keeping parse (`read_yaml`) runs only when there is a problem to place, or on first use of
    `LoadedDetection.document`. ruamel's round trip is pure Python: ~20 ms a file, most of `kqlrules list`."""
    quick = quick_detection(path, model)
    if quick is not None:
        return [], quick, None
    try:
        document = read_yaml(path)
    except MetadataError as error:
        return [error], None, None
    from ruamel.yaml.comments import CommentedMap

    if not isinstance(document, CommentedMap):
        kind = "an empty file" if document is None else f"a {type(document).__name__}"
        message = f"expected a mapping of detection fields (id, name, severity, ...), found {kind}"
        return [MetadataError(message, Location.of(shown(path), 1, 1))], None, document
    try:
        detection = model.model_validate(plain(document))
    except pydantic.ValidationError as error:
        problems = [_problem(path, document, item) for item in error.errors()]
        return problems, None, document
    return [], detection, document


def quick_detection(path: Path, model: type[pydantic.BaseModel] = Detection) -> Any:
    """The validated `model` when the file is valid YAML 1.2 within the shape bounds; None for anything
    else (the position-keeping path then reports it, at its line and column)."""
    from kqlrules.rules.fast_yaml import load_core12

    try:
        text = path.read_text(encoding="utf-8")
        if shape_problem(text) is not None:  # alias bombs, deep nesting: refused by read_yaml
            return None
        data = load_core12(text)
    except Exception:  # any reading or parsing problem: the position-keeping path says what it is
        return None
    if not isinstance(data, dict):
        return None
    try:
        return model.model_validate(data)
    except pydantic.ValidationError:
        return None


def plain(node: Any) -> Any:
    """ruamel's position-keeping nodes as plain dicts, lists, strings and numbers."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if isinstance(node, CommentedMap):
        return {str(key): plain(value) for key, value in node.items()}
    if isinstance(node, CommentedSeq):
        return [plain(value) for value in node]
    if isinstance(node, bool) or node is None:
        return node
    for kind in (str, int, float):
        if isinstance(node, kind):
            return kind(node)
    return node


def position(document: Any, loc: tuple[Any, ...], *, key: bool = False) -> tuple[int, int]:
    """The 1-based line/col of the value at `loc` (of its key when `key`), or of the deepest parent found."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    node = document
    positioned = isinstance(document, CommentedMap | CommentedSeq)
    line, col = (document.lc.line + 1, document.lc.col + 1) if positioned else (1, 1)
    for index, part in enumerate(loc):
        last = index == len(loc) - 1
        if isinstance(node, CommentedMap) and part in node:
            where = node.lc.key(part) if (key and last) else node.lc.value(part)
            line, col = where[0] + 1, where[1] + 1
            node = node[part]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
            where = node.lc.item(part)
            line, col = where[0] + 1, where[1] + 1
            node = node[part]
        else:
            break
    return line, col


def _problem(path: Path, document: Any, error: Any) -> MetadataError:
    loc = tuple(part for part in error["loc"] if part != "[key]")
    dotted = _dotted(loc)
    kind = error["type"]
    if kind == "extra_forbidden":
        line, col = position(document, loc, key=True)
        message = f"unknown key {dotted!r}{_did_you_mean(loc)}"
    elif kind == "missing":
        line, col = position(document, loc[:-1])
        message = f"missing required key {dotted!r}"
    else:
        loc = _narrow(document, loc, str(error["msg"]))
        dotted = _dotted(loc)
        line, col = position(document, loc)
        text = str(error["msg"]).removeprefix("Value error, ")
        message = f"{dotted}: {text}" if dotted else text
    return MetadataError(message, Location.of(shown(path), line, col))


def _dotted(loc: tuple[Any, ...]) -> str:
    """`("techniques", 1)` -> `techniques[1]`, `("schedule", "period")` -> `schedule.period`."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _narrow(document: Any, loc: tuple[Any, ...], message: str) -> tuple[Any, ...]:
    """A rule over a whole mapping (schedule's limits) names its culprit first; point at that key."""
    from ruamel.yaml.comments import CommentedMap

    node: Any = document
    for part in loc:
        node = node.get(part) if isinstance(node, CommentedMap) else None
    if isinstance(node, CommentedMap):
        named = message.removeprefix("Value error, ").split(" ", 1)[0]
        if named in node:
            return (*loc, named)
    return loc


def _did_you_mean(loc: tuple[Any, ...]) -> str:
    model: Any = Detection
    for part in loc[:-1]:
        field = getattr(model, "model_fields", {}).get(part)
        annotation = getattr(field, "annotation", None)
        if not (isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel)):
            return ""
        model = annotation
    known = list(getattr(model, "model_fields", {}))
    close = difflib.get_close_matches(str(loc[-1]), known, n=1)
    return f" (did you mean {close[0]!r}?)" if close else f" (known keys: {', '.join(known)})"
