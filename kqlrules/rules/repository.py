"""A detection repository: every `queries/<area>/<name>.yaml` + `<name>.kql` pair, its configuration,
and every problem found while loading it (one broken detection never hides the others)."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kqlrules.errors import KqlrulesError, Location, ValidationError
from kqlrules.rules.config import RepoConfig, load_config
from kqlrules.rules.loader import check_metadata, position, read_yaml
from kqlrules.rules.model import MAX_QUERY_LENGTH, Detection
from kqlrules.rules.params import coerce_params, merge_params
from kqlrules.rules.paths import shown
from kqlrules.rules.templates import MACRO_FOLDER, RenderedQuery, TemplateReads, TemplateRenderer
from kqlrules.yaml_bounds import shape_problem

if TYPE_CHECKING:
    # Imported where an incident-creation rule is met: most repositories have none, and its models cost
    # start-up time of their own.
    from kqlrules.rules.incident_creation import IncidentCreationRule

QUERIES = "queries"
# `<name>.tests.yaml` files and `fixtures/` folders belong to a detection's tests, not to its metadata.
_NOT_METADATA_SUFFIXES = (".tests.yaml", ".tests.yml")
_SKIPPED_FOLDERS = {"fixtures", "__pycache__"}


class RepositoryProblems(KqlrulesError):
    """Several problems at once; `str()` lists each as `path:line:col: message`."""

    def __init__(self, problems: list[KqlrulesError]) -> None:
        super().__init__("\n".join(str(problem) for problem in problems))
        self.problems = problems


@dataclass(eq=False)
class LoadedDetection:
    """One detection: validated metadata, its two files, and a way to render its query."""

    meta: Detection
    yaml_path: Path
    kql_path: Path
    area: str
    renderer: TemplateRenderer = field(repr=False)
    # Parameter layers above the detection's defaults: repository config, environment, command line.
    layers: tuple[Mapping[str, Any], ...] = field(default=(), repr=False)
    # The position-keeping YAML document; None until first asked for (see `check_metadata`).
    parsed_document: Any = field(default=None, repr=False)

    @property
    def document(self) -> Any:
        """The YAML with every value's line:col (ruamel round-trip nodes), parsed on first use."""
        if self.parsed_document is None:
            self.parsed_document = read_yaml(self.yaml_path)
        return self.parsed_document

    @property
    def name(self) -> str:
        return self.yaml_path.stem

    @property
    def key(self) -> str:
        """`area/name`: unique in a repository even when names repeat across areas."""
        return f"{self.area}/{self.name}" if self.area else self.name

    def params(self, overrides: Mapping[str, object] | None = None) -> dict[str, Any]:
        """The template's parameters, lowest first: `lookback` (the schedule period), the detection's
        defaults, the repository config, its environment, the command line, then `overrides`."""
        merged = merge_params({"lookback": self.meta.schedule.period}, self.meta.params)
        for layer in (*self.layers, overrides or {}):
            merged = merge_params(merged, coerce_params(layer, merged))
        return merged

    def render(self, params: Mapping[str, object] | None = None) -> RenderedQuery:
        """The KQL this detection runs; a template problem raises `TemplateError` at its file:line."""
        rendered = self.renderer.render(self.kql_path, self.params(params))
        if len(rendered.text) > MAX_QUERY_LENGTH:
            raise ValidationError(
                f"rendered query is {len(rendered.text):,} characters; the limit is {MAX_QUERY_LENGTH:,}",
                Location.of(shown(self.kql_path)),
            )
        return rendered

    def template_reads(self) -> TemplateReads | None:
        """The names its template (and every template it includes or imports) reads; None: not known."""
        return self.renderer.reads(self.kql_path)

    def template_unchanged(self, reads: TemplateReads) -> bool:
        return self.renderer.unchanged(reads)

    def location(self, *keys: str | int) -> Location:
        """Where `keys` (such as `"id"` or `"schedule", "period"`) is written in the YAML file."""
        document = self.document
        line, col = position(document, tuple(keys)) if document is not None else (0, 0)
        return Location.of(shown(self.yaml_path), line, col)


@dataclass(eq=False)
class LoadedIncidentRule:
    """An incident-creation rule (`kind: MicrosoftSecurityIncidentCreation`): metadata only, no query."""

    meta: IncidentCreationRule
    yaml_path: Path
    area: str
    # The position-keeping YAML document; None until first asked for (see `check_metadata`).
    parsed_document: Any = field(default=None, repr=False)

    @property
    def document(self) -> Any:
        if self.parsed_document is None:
            self.parsed_document = read_yaml(self.yaml_path)
        return self.parsed_document

    @property
    def name(self) -> str:
        return self.yaml_path.stem

    @property
    def key(self) -> str:
        return f"{self.area}/{self.name}" if self.area else self.name

    def location(self, *keys: str | int) -> Location:
        document = self.document
        line, col = position(document, tuple(keys)) if document is not None else (0, 0)
        return Location.of(shown(self.yaml_path), line, col)


@dataclass(eq=False)
class Repository:
    root: Path
    config: RepoConfig
    detections: list[LoadedDetection] = field(default_factory=list)
    problems: list[KqlrulesError] = field(default_factory=list)
    incident_rules: list[LoadedIncidentRule] = field(default_factory=list)
    env: str | None = None
    params: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def queries_dir(self) -> Path:
        return self.root / QUERIES

    def raise_problems(self) -> None:
        """Raise every loading problem at once (the strict way to load)."""
        if self.problems:
            raise RepositoryProblems(self.problems)

    def validate(self) -> list[KqlrulesError]:
        """Loading problems plus every detection's render problems, in file order."""
        found = list(self.problems)
        for detection in self.detections:
            try:
                detection.render()
            except KqlrulesError as error:
                found.append(error)
        return sorted(found, key=_order)


def load_repository(
    root: Path,
    env: str | None = None,
    params: dict[str, str] | None = None,
    *,
    strict: bool = False,
) -> Repository:
    """Load every detection under `root/queries/`; problems are collected in `.problems` (or raised
    together when `strict`). A bad configuration or an unknown `env` raises at once: it affects all."""
    root = Path(root)
    queries_dir = root / QUERIES
    if not queries_dir.is_dir():
        raise KqlrulesError(f"no {QUERIES}/ folder in {shown(root)}", Location.of(shown(root)))
    config = load_config(root)
    environment_params = config.environment(env).params if env else {}
    layers = (config.params, environment_params, dict(params or {}))
    repository = Repository(root, config, env=env, params=merge_params(*layers))
    renderer = TemplateRenderer(queries_dir, root)
    for yaml_path, kql_path in _pairs(queries_dir, repository.problems):
        outside = _outside(root, *(path for path in (yaml_path, kql_path) if path is not None))
        if outside is not None:
            repository.problems.append(outside)
            continue
        if kql_path is None:
            from kqlrules.rules.incident_creation import IncidentCreationRule

            problems, rule, document = check_metadata(yaml_path, IncidentCreationRule)
            repository.problems.extend(problems)
            if rule is not None:
                area = yaml_path.parent.relative_to(queries_dir).as_posix()
                repository.incident_rules.append(
                    LoadedIncidentRule(rule, yaml_path, "" if area == "." else area, document)
                )
            continue
        problems, meta, document = check_metadata(yaml_path)
        repository.problems.extend(problems)
        if meta is None:
            continue
        area = yaml_path.parent.relative_to(queries_dir).as_posix()
        area = "" if area == "." else area
        repository.detections.append(
            LoadedDetection(meta, yaml_path, kql_path, area, renderer, layers, document)
        )
    repository.problems.extend(_duplicate_ids([*repository.detections, *repository.incident_rules]))
    repository.problems.sort(key=_order)
    if strict:
        repository.raise_problems()
    return repository


def _outside(root: Path, *paths: Path) -> KqlrulesError | None:
    """A detection file that is a link resolving outside the repository: refused, never read (it could
    make any readable file part of a query or an error message)."""
    inside = root.resolve()
    for path in paths:
        if not path.resolve().is_relative_to(inside):
            message = f"{path.name} is a link to a file outside the repository; detections live inside it"
            return ValidationError(message, Location.of(shown(path)))
    return None


def _pairs(queries_dir: Path, problems: list[KqlrulesError]) -> list[tuple[Path, Path | None]]:
    """Each metadata file with its template; a file without its partner is a problem, except an
    incident-creation rule's metadata, which has no query (paired with None)."""
    pairs: list[tuple[Path, Path | None]] = []
    for path in sorted(queries_dir.rglob("*")):
        relative = path.relative_to(queries_dir).parts
        if not path.is_file() or _skipped(relative):
            continue
        if path.suffix in (".yaml", ".yml") and not path.name.endswith(_NOT_METADATA_SUFFIXES):
            template = path.with_suffix(".kql")
            if template.is_file():
                pairs.append((path, template))
            elif _is_incident_rule(path):
                pairs.append((path, None))
            else:
                problems.append(
                    ValidationError(
                        f"no query template next to this metadata (expected {template.name})",
                        Location.of(shown(path)),
                    )
                )
        elif path.suffix == ".kql" and not any(
            path.with_suffix(suffix).is_file() for suffix in (".yaml", ".yml")
        ):
            problems.append(
                ValidationError(
                    f"no metadata next to this query template (expected {path.with_suffix('.yaml').name})",
                    Location.of(shown(path)),
                )
            )
    return pairs


def _is_incident_rule(path: Path) -> bool:
    from kqlrules.rules.fast_yaml import load_core12

    try:
        text = path.read_text(encoding="utf-8")
        # The fast read (libyaml) when the text is within bounds; else the strict one.
        document = load_core12(text) if shape_problem(text) is None else read_yaml(path)
    except Exception:
        try:
            document = read_yaml(path)
        except KqlrulesError:
            return False
    from kqlrules.rules.incident_creation import KIND as INCIDENT_CREATION

    return isinstance(document, dict) and document.get("kind") == INCIDENT_CREATION


def _skipped(parts: tuple[str, ...]) -> bool:
    folders = parts[:-1]
    return any(part.startswith(("_", ".")) or part in _SKIPPED_FOLDERS for part in folders) or parts[
        -1
    ].startswith(".")


def _duplicate_ids(detections: list[LoadedDetection | LoadedIncidentRule]) -> list[KqlrulesError]:
    by_id: dict[str, list[LoadedDetection | LoadedIncidentRule]] = {}
    for detection in detections:
        by_id.setdefault(detection.meta.id, []).append(detection)
    problems: list[KqlrulesError] = []
    for ident, owners in by_id.items():
        if len(owners) < 2:
            continue
        for owner in owners:
            others = ", ".join(str(other.location("id")) for other in owners if other is not owner)
            problems.append(
                ValidationError(
                    f"duplicate id {ident}: also used by {others}",
                    owner.location("id"),
                    hint="ids are immutable and unique; give the newer detection a new GUID",
                )
            )
    return problems


def _order(problem: KqlrulesError) -> tuple[str, int, int, str]:
    where = problem.location or Location("")
    return (where.path, where.line, where.col, problem.message)


def find_detection(repo: Repository, name_or_path: str | Path) -> LoadedDetection:
    """A detection by name (`risky_signin`), `area/name`, id, or the path of its .yaml or .kql file."""
    wanted = str(name_or_path)
    candidate = Path(wanted)
    if candidate.suffix in (".yaml", ".yml", ".kql"):
        targets = {candidate.resolve(), (repo.root / candidate).resolve()}
        for detection in repo.detections:
            if targets & {detection.yaml_path.resolve(), detection.kql_path.resolve()}:
                return detection
    matches = [
        detection
        for detection in repo.detections
        if wanted in (detection.name, detection.key, detection.meta.id)
    ]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        keys = ", ".join(detection.key for detection in matches)
        raise KqlrulesError(f"{wanted!r} names several detections: {keys}", hint="write it as area/name")
    for problem in repo.problems:
        if problem.location and Path(problem.location.path).stem == candidate.stem:
            raise problem
    names = [detection.name for detection in repo.detections] + [d.key for d in repo.detections]
    close = difflib.get_close_matches(candidate.stem, names, n=3)
    hint = f"did you mean {', '.join(close)}?" if close else "`kqlrules list` shows every detection"
    raise KqlrulesError(f"no detection {wanted!r}", hint=hint)


__all__ = [
    "MACRO_FOLDER",
    "LoadedDetection",
    "LoadedIncidentRule",
    "Repository",
    "RepositoryProblems",
    "find_detection",
    "load_repository",
]
