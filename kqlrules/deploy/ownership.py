"""Which live rules kqlrules owns: those marked with a detection id and this repository's identity.

Azure Monitor rules carry the marks as tags; Sentinel analytics rules have no tags, so the marks are a last
line of their description. `--prune` deletes only rules whose marks name this repository.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TAG_DETECTION = "kqlrules-detection"
TAG_REPOSITORY = "kqlrules-repository"
_MARKER = re.compile(r"\n*\[kqlrules repository=(?P<repo>[^\s\]]+) detection=(?P<id>[0-9a-fA-F-]{36})\]\s*$")


@dataclass(frozen=True)
class Ownership:
    detection_id: str
    repository: str


def repository_identity(text: str) -> str:
    """A repository name usable in a tag value and a description marker: no spaces or brackets."""
    cleaned = re.sub(r"[\s\[\]]+", "-", text.strip()).strip("-")
    return cleaned or "kqlrules"


def monitor_tags(owner: Ownership) -> dict[str, str]:
    return {TAG_DETECTION: owner.detection_id, TAG_REPOSITORY: owner.repository}


def owner_from_tags(tags: dict[str, str] | None) -> Ownership | None:
    tags = tags or {}
    detection, repository = tags.get(TAG_DETECTION), tags.get(TAG_REPOSITORY)
    if not detection or not repository:
        return None
    return Ownership(detection.lower(), repository)


def with_marker(description: str, owner: Ownership) -> str:
    marker = f"[kqlrules repository={owner.repository} detection={owner.detection_id}]"
    body = _MARKER.sub("", description).rstrip()
    return f"{body}\n\n{marker}" if body else marker


def owner_from_description(description: str | None) -> Ownership | None:
    match = _MARKER.search(description or "")
    if match is None:
        return None
    return Ownership(match.group("id").lower(), match.group("repo"))
