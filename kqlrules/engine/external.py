"""Where an `externaldata` URI is read from: a local file, an empty source of the declared schema, or nowhere.

The local engine never fetches a URL. A user (a detection's test fixtures, the corpus measure) says what a
remote URL holds instead: a local file in the format the query declares, or `EMPTY`, no rows of the
declared columns — what every table is on an empty workspace. A URL nobody mapped is refused, naming it.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal


class Empty(enum.Enum):
    EMPTY = "empty"

    def __repr__(self) -> str:
        return "EMPTY"


EMPTY = Empty.EMPTY
"""The source of an `externaldata` URL that holds no rows (of the columns the query declares)."""

ExternalSource = str | Path | Empty
UnmappedPolicy = Literal["refuse", "empty"]


@dataclass(frozen=True)
class ExternalData:
    """The sources of `externaldata` URIs.

    `sources` maps a URI, exactly as the query writes it, to a local file or to `EMPTY`. A URI it does not
    name is a local path when it has no scheme (or `file://`); a remote one is refused when `unmapped` is
    `"refuse"` (the default) and read as `EMPTY` when it is `"empty"`.
    """

    sources: Mapping[str, ExternalSource] = field(default_factory=dict)
    unmapped: UnmappedPolicy = "refuse"

    @classmethod
    def of(cls, value: ExternalData | Mapping[str, ExternalSource] | None) -> ExternalData:
        if isinstance(value, ExternalData):
            return value
        return cls(dict(value or {}))

    def resolve(self, uri: str) -> str | Empty | None:
        """The local path or `EMPTY` that `uri` is read from; None for a remote URL nobody mapped."""
        found = self.sources.get(uri)
        if isinstance(found, Empty):
            return found
        if found is not None:
            return str(found)
        if uri.startswith("file://"):
            return uri[len("file://") :]
        if "://" in uri:
            return EMPTY if self.unmapped == "empty" else None
        return uri

    def fingerprint(self) -> str:
        """What a cached plan depends on: the same URIs resolve the same way."""
        mapped = sorted((uri, repr(source)) for uri, source in self.sources.items())
        return repr((mapped, self.unmapped))
