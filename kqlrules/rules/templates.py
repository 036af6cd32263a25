"""Rendering `<name>.kql` templates: sandboxed Jinja2, strict about undefined names, KQL-safe filters,
shared macros from `queries/_macros/`, and a line map back to the template text."""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from jinja2 import (
    BaseLoader,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateNotFound,
    TemplateSyntaxError,
    Undefined,
)
from jinja2.ext import Extension
from jinja2.lexer import Token, TokenStream
from jinja2.sandbox import SandboxedEnvironment

from kqlrules.errors import Location, ValidationError
from kqlrules.rules.clock import GLOBALS
from kqlrules.rules.filters import FILTERS, FilterValueError, finalize
from kqlrules.rules.linemap import LineMap, anchor, strip_anchors
from kqlrules.rules.paths import shown

MACRO_FOLDER = "_macros"
_UNDEFINED_NAME = re.compile(r"'([A-Za-z_][A-Za-z0-9_]*)' is undefined")
_CLOSERS = ("}}", "%}", "#}")


class TemplateError(ValidationError):
    """A template that does not render: syntax error, undefined name, sandbox violation, bad value."""


@dataclass(frozen=True)
class RenderedQuery:
    """KQL text ready to run, and the way back from any of its positions to the template."""

    text: str
    line_map: LineMap
    template_path: Path
    params: Mapping[str, Any] = field(default_factory=dict)


class _AnchorExtension(Extension):
    """Puts an anchor before every run of literal text and every `{{ expression }}` (see linemap)."""

    def __init__(self, environment: Any) -> None:
        super().__init__(environment)
        self._sources: dict[str, str] = {}

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        if name is not None:
            self._sources[name] = re.sub(r"\r\n?", "\n", source)
        return source

    def filter_stream(self, stream: TokenStream) -> Iterator[Token]:
        name = stream.name or ""
        source = self._sources.get(name, "")
        line_starts = [0] + [m.end() for m in re.finditer("\n", source)]
        cursor = 0
        for token in stream:
            if token.type in ("data", "variable_begin"):
                begin = line_starts[min(token.lineno, len(line_starts)) - 1]
                at = max(cursor, begin)
                if token.type == "data":
                    position = _find_data(source, token.value, at)
                    if position >= 0:
                        cursor = position + len(token.value)
                        col = position - line_starts[token.lineno - 1] + 1
                        yield Token(token.lineno, "data", _anchored(name, token.value, token.lineno, col))
                        continue
                else:
                    position = source.find(self.environment.variable_start_string, at)
                    if position >= 0:
                        cursor = position + len(self.environment.variable_start_string)
                        col = position - line_starts[token.lineno - 1] + 1
                        yield Token(token.lineno, "data", anchor(name, token.lineno, col))
            yield token


def _find_data(source: str, value: str, start: int) -> int:
    """Where literal text `value` sits in the source: right after a tag (or at the top), never inside one."""
    first = position = source.find(value, start)
    while position >= 0:
        before = position
        while before > 0 and source[before - 1] in " \t\r\n":
            before -= 1
        if before == 0 or source[before - 2 : before] in _CLOSERS:
            return position
        position = source.find(value, position + 1)
    return first


def _anchored(name: str, text: str, line: int, col: int) -> str:
    lines = text.split("\n")
    out = [anchor(name, line, col) + lines[0]]
    for offset, rest in enumerate(lines[1:], start=1):
        out.append(anchor(name, line + offset, 1) + rest if rest else rest)
    return "\n".join(out)


class _ContainedLoader(FileSystemLoader):
    """A file loader that serves only files whose real path (every symlink followed) is inside `root`:
    `{% include %}` or `{% import %}` of a link pointing out of the repository would otherwise print any
    file the user can read into a query, a log, or an error message."""

    def __init__(self, searchpath: Path, root: Path) -> None:
        super().__init__(str(searchpath))
        self._root = root.resolve()

    def get_source(self, environment: Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        source, filename, uptodate = super().get_source(environment, template)
        if not Path(filename).resolve().is_relative_to(self._root):
            raise TemplateNotFound(
                template, f"{template} resolves outside the repository ({self._root}); links out are refused"
            )
        return source, filename, uptodate


class TemplateRenderer:
    """One Jinja2 environment over a repository's `queries/` folder."""

    def __init__(self, queries_dir: Path, root: Path | None = None) -> None:
        self.queries_dir = queries_dir
        loader: BaseLoader = _ContainedLoader(queries_dir, root if root is not None else queries_dir.parent)
        self.environment = SandboxedEnvironment(
            loader=loader,
            finalize=finalize,
            undefined=StrictUndefined,
            extensions=[_AnchorExtension],
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
            autoescape=False,
        )
        self.environment.filters.update({name: _strict(check) for name, check in FILTERS.items()})
        self.environment.globals.update(
            {name: _strict(value) if callable(value) else value for name, value in GLOBALS.items()}
        )

    def render(self, template_path: Path, context: Mapping[str, Any]) -> RenderedQuery:
        name = self._name(template_path)
        try:
            marked = self.environment.get_template(name).render(dict(context))
        except TemplateSyntaxError as error:
            raise TemplateError(
                f"template syntax error: {error.message}",
                self._syntax_location(error, template_path),
                hint=_suggestion(str(error.message), self.environment.filters),
            ) from None
        except TemplateNotFound as error:
            outside = error.message if error.message and "outside" in error.message else None
            raise TemplateError(
                outside or f"template not found: {error.name}", self._runtime_location(error, template_path)
            ) from None
        except FilterValueError as error:
            named = _parameter_named(context, error.value)
            message = f"template error: {error}" + (f" (parameter {named!r})" if named else "")
            raise TemplateError(message, self._runtime_location(error, template_path)) from None
        except Exception as error:
            known = [*context, *self.environment.globals]
            raise TemplateError(
                f"template error: {_describe(error)}",
                self._runtime_location(error, template_path),
                hint=_suggestion(str(error), known),
            ) from None
        text, anchors = strip_anchors(marked)
        # Once per template file, not per anchor (a query has an anchor per line; the demo renders thousands).
        paths = {template: shown(self.queries_dir / template) for template in {a.template for a in anchors}}
        line_map = LineMap(anchors, paths, shown(template_path))
        return RenderedQuery(text.rstrip(), line_map, template_path, dict(context))

    def _name(self, template_path: Path) -> str:
        try:
            return template_path.resolve().relative_to(self.queries_dir.resolve()).as_posix()
        except ValueError:
            raise TemplateError(
                f"template is outside {shown(self.queries_dir)}", Location.of(shown(template_path))
            ) from None

    def _syntax_location(self, error: TemplateSyntaxError, fallback: Path) -> Location:
        path = Path(error.filename) if error.filename else fallback
        return Location.of(shown(path), error.lineno or 0)

    def _runtime_location(self, error: BaseException, fallback: Path) -> Location:
        """Jinja rewrites tracebacks so template frames carry the template's file and line."""
        found: tuple[str, int] | None = None
        root = str(self.queries_dir.resolve())
        for filename, line in _frames(error.__traceback__):
            if Path(filename).suffix and str(Path(filename).resolve()).startswith(root):
                found = (filename, line)
        if found is None:
            return Location.of(shown(fallback))
        filename, line = found
        return Location.of(shown(Path(filename)), line, _column(error, Path(filename), line))


def _strict(function: Any) -> Any:
    """A filter that, given an undefined name, reports the name (`'users' is undefined`, with its place
    and a suggestion) rather than its own type complaint about an Undefined value."""

    @functools.wraps(function)
    def checked(*args: Any, **kwargs: Any) -> Any:
        for value in (*args, *kwargs.values()):
            if isinstance(value, Undefined):
                value._fail_with_undefined_error()
        return function(*args, **kwargs)

    return checked


_UNKNOWN_FILTER = re.compile(r"No filter named '([^']+)'")


def _suggestion(message: str, known: Iterable[str]) -> str | None:
    """For an undefined name or an unknown filter, the closest known ones (difflib's ratio >= 0.6)."""
    match = _UNDEFINED_NAME.search(message) or _UNKNOWN_FILTER.search(message)
    if match is None:
        return None
    names = sorted({name for name in known if not name.startswith("_")})
    close = difflib.get_close_matches(match.group(1), names, n=3)
    return "did you mean " + " or ".join(f"'{name}'" for name in close) + "?" if close else None


def _parameter_named(context: Mapping[str, Any], value: object) -> str | None:
    """The parameter whose value a filter refused, when the value is one of the parameters themselves."""
    if value is None or isinstance(value, bool | int | float):
        # By value: numbers are not one object everywhere; NaN is the one value unequal to itself.
        matches = [
            name
            for name, given in context.items()
            if type(given) is type(value) and (given == value or (given != given and value != value))
        ]
    else:
        matches = [name for name, given in context.items() if given is value]
    return matches[0] if len(matches) == 1 else None


def _frames(tb: TracebackType | None) -> Iterator[tuple[str, int]]:
    while tb is not None:
        yield tb.tb_frame.f_code.co_filename, tb.tb_lineno
        tb = tb.tb_next


def _column(error: BaseException, path: Path, line: int) -> int:
    """For an undefined name, the column where the template uses it; 0 (unknown) otherwise."""
    match = _UNDEFINED_NAME.search(str(error))
    if match is None:
        return 0
    try:
        text = path.read_text(encoding="utf-8").splitlines()[line - 1]
    except (OSError, IndexError):
        return 0
    found = re.search(rf"\b{re.escape(match.group(1))}\b", text)
    return found.start() + 1 if found else 0


def _describe(error: Exception) -> str:
    message = str(error)
    if type(error).__name__ == "SecurityError":
        return f"the sandbox forbids this: {message}"
    if type(error).__name__ in ("UndefinedError", "FilterValueError", "TemplateRuntimeError"):
        return message
    return f"{type(error).__name__}: {message}"
