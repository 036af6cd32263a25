"""Rendering `<name>.kql` templates: sandboxed Jinja2, strict about undefined names, KQL-safe filters,
shared macros from `queries/_macros/`, and a line map back to the template text.

Jinja2 is imported when the first template renders (`jinja_environment`), not when a repository loads:
`kqlrules list` and the other commands that only read metadata do not pay for it."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from kqlrules.errors import Location, ValidationError
from kqlrules.rules.linemap import LineMap, strip_anchors
from kqlrules.rules.paths import shown

if TYPE_CHECKING:
    from jinja2 import TemplateSyntaxError
    from jinja2.sandbox import SandboxedEnvironment

MACRO_FOLDER = "_macros"
_UNDEFINED_NAME = re.compile(r"'([A-Za-z_][A-Za-z0-9_]*)' is undefined")


class TemplateError(ValidationError):
    """A template that does not render: syntax error, undefined name, sandbox violation, bad value."""


@dataclass(frozen=True)
class RenderedQuery:
    """KQL text ready to run, and the way back from any of its positions to the template."""

    text: str
    line_map: LineMap
    template_path: Path
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TemplateReads:
    """The names a template reads from its context (`jinja2.meta.find_undeclared_variables`, and the
    environment's globals it names), through every template it includes, imports or extends; and those
    templates as loaded, to tell when one changed."""

    names: frozenset[str]
    templates: tuple[Any, ...]


class TemplateRenderer:
    """One Jinja2 environment over a repository's `queries/` folder."""

    def __init__(self, queries_dir: Path, root: Path | None = None) -> None:
        self.queries_dir = queries_dir
        # Resolved now, as the loader's containment check did when the environment was built eagerly.
        self.root = (root if root is not None else queries_dir.parent).resolve()

    @cached_property
    def environment(self) -> SandboxedEnvironment:
        from kqlrules.rules.jinja_environment import new_environment

        return new_environment(self.queries_dir, self.root)

    def render(self, template_path: Path, context: Mapping[str, Any]) -> RenderedQuery:
        from jinja2 import TemplateNotFound, TemplateSyntaxError

        from kqlrules.rules.filters import FilterValueError

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

    def reads(self, template_path: Path) -> TemplateReads | None:
        """What the template at `template_path` reads (see `TemplateReads`); None when that is not known: a
        template named by an expression (`{% include name %}`), or one that does not load or parse (its
        rendering reports that)."""
        from jinja2 import meta, nodes

        environment = self.environment
        loader = environment.loader
        names: set[str] = set()
        loaded: dict[str, Any] = {}
        try:
            pending = [self._name(template_path)]
            while pending:
                name = pending.pop()
                if name in loaded or loader is None:
                    continue
                loaded[name] = environment.get_template(name)
                tree = environment.parse(loader.get_source(environment, name)[0], name)
                names |= meta.find_undeclared_variables(tree)
                # The environment's globals (`ago`) are left out of that: any name used that is one counts.
                names |= {found.name for found in tree.find_all(nodes.Name)} & set(environment.globals)
                for referenced in meta.find_referenced_templates(tree):
                    if referenced is None:
                        return None
                    pending.append(referenced)
        except Exception:
            return None
        return TemplateReads(frozenset(names), tuple(loaded.values()))

    def unchanged(self, reads: TemplateReads) -> bool:
        """Whether every template `reads` saw is still the one the environment renders (Jinja reloads a
        template whose file changed: `auto_reload`)."""
        try:
            return all(
                self.environment.get_template(template.name) is template for template in reads.templates
            )
        except Exception:
            return False

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
