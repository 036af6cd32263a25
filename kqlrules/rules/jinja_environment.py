"""The Jinja2 side of template rendering: the sandboxed environment, its loader kept inside the repository,
and the extension that anchors every output position to its template line and column.

Kept apart from `templates` so that loading a repository (`kqlrules list`) does not import Jinja2: the
environment is built the first time a detection is rendered."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from jinja2 import BaseLoader, Environment, FileSystemLoader, StrictUndefined, TemplateNotFound, Undefined
from jinja2.ext import Extension
from jinja2.lexer import Token, TokenStream
from jinja2.sandbox import SandboxedEnvironment

from kqlrules.rules.clock import GLOBALS
from kqlrules.rules.filters import FILTERS, finalize
from kqlrules.rules.linemap import anchor

_CLOSERS = ("}}", "%}", "#}")


def new_environment(queries_dir: Path, root: Path) -> SandboxedEnvironment:
    """The environment every template of one repository renders in."""
    loader: BaseLoader = _ContainedLoader(queries_dir, root)
    environment = SandboxedEnvironment(
        loader=loader,
        finalize=finalize,
        undefined=StrictUndefined,
        extensions=[_AnchorExtension],
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        autoescape=False,
    )
    environment.filters.update({name: _strict(check) for name, check in FILTERS.items()})
    environment.globals.update(
        {name: _strict(value) if callable(value) else value for name, value in GLOBALS.items()}
    )
    return environment


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
