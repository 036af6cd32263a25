"""What deploy takes in: a detection's metadata with its rendered query, independent of the loader."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from kqlrules.errors import Location
from kqlrules.rules.model import Detection


@dataclass(frozen=True)
class Deployable:
    """A detection and its rendered query; `locate(*keys)` finds a metadata key in the user's YAML file."""

    detection: Detection
    query: str
    source: Location | None = None
    query_source: Location | None = None
    locate: Callable[..., Location] | None = field(default=None, compare=False, repr=False)

    @property
    def id(self) -> str:
        return self.detection.id

    @property
    def where(self) -> str:
        return str(self.source) if self.source else self.detection.name

    def place(self, keys: tuple[str, ...]) -> str:
        """Where a problem with `keys` (("query",) for the query) is, as `path:line:col` when known."""
        if keys == ("query",) and self.query_source is not None:
            return str(self.query_source)
        if keys and keys != ("query",) and self.locate is not None:
            return str(self.locate(*keys))
        return self.where
