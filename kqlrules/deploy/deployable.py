"""What deploy takes in: a detection's metadata with its rendered query, independent of the loader."""

from __future__ import annotations

from dataclasses import dataclass

from kqlrules.errors import Location
from kqlrules.rules.model import Detection


@dataclass(frozen=True)
class Deployable:
    detection: Detection
    query: str
    source: Location | None = None

    @property
    def id(self) -> str:
        return self.detection.id

    @property
    def where(self) -> str:
        return str(self.source) if self.source else self.detection.name
