"""What deploy takes in: a detection's metadata with its rendered query, independent of the loader."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from kqlrules.errors import Location
from kqlrules.rules import (
    Detection,
    IncidentCreationRule,
    LoadedDetection,
    LoadedIncidentRule,
    Repository,
    shown,
)


@dataclass(frozen=True)
class Deployable:
    """A detection and its rendered query; `locate(*keys)` finds a metadata key in the user's YAML file.

    An incident-creation rule has no query (`query` is empty).
    """

    detection: Detection | IncidentCreationRule
    query: str
    source: Location | None = None
    query_source: Location | None = None
    locate: Callable[..., Location] | None = field(default=None, compare=False, repr=False)

    @property
    def id(self) -> str:
        """The detection id as deploy uses it (resource names, marks): always lower case."""
        return self.detection.id.lower()

    @property
    def where(self) -> str:
        return str(self.source) if self.source else self.detection.name

    @property
    def is_incident_creation(self) -> bool:
        return isinstance(self.detection, IncidentCreationRule)

    def place(self, keys: tuple[str | int, ...]) -> str:
        """Where a problem with `keys` (("query",) for the query) is, as `path:line:col` when known."""
        return str(self.location(keys) or self.where)

    def location(self, keys: tuple[str | int, ...]) -> Location | None:
        if keys == ("query",) and self.query_source is not None:
            return self.query_source
        if keys and keys != ("query",) and self.locate is not None:
            located: Location = self.locate(*keys)
            return located
        return self.source


def deployable(loaded: LoadedDetection | LoadedIncidentRule) -> Deployable:
    """A loaded detection (its query rendered) or incident-creation rule, ready for plan and export."""
    if isinstance(loaded, LoadedIncidentRule):
        return Deployable(loaded.meta, "", loaded.location(), None, loaded.location)
    query_source = Location.of(shown(loaded.kql_path))
    return Deployable(loaded.meta, loaded.render().text, loaded.location(), query_source, loaded.location)


def deployables(repository: Repository) -> list[Deployable]:
    """Every detection and incident-creation rule of a repository, in file order."""
    loaded: list[LoadedDetection | LoadedIncidentRule] = [*repository.detections, *repository.incident_rules]
    return [deployable(d) for d in loaded]
