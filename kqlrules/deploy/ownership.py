"""Which live rules kqlrules owns: those marked with a detection id and this repository's identity.

Azure Monitor rules carry the marks as tags; Sentinel analytics rules have no tags, so the marks are a last
line of their description. `--prune` deletes only rules whose marks name this repository.

The marks also carry the content hash of what was applied (`hash=`, tag `kqlrules-hash`): comparing it with
the live rule and with the repository tells "changed in the repository, not yet applied" from "edited in
Azure" (plan.py).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

TAG_DETECTION = "kqlrules-detection"
TAG_REPOSITORY = "kqlrules-repository"
TAG_HASH = "kqlrules-hash"
_MARKER = re.compile(
    r"\n*\[kqlrules repository=(?P<repo>[^\s\]]+) detection=(?P<id>[0-9a-fA-F-]{36})"
    r"(?: hash=(?P<hash>[0-9a-f]+))?\]\s*$"
)
_HASH_IN_MARKER = re.compile(r" hash=[0-9a-f]+\]")
HASH_LENGTH = 16


@dataclass(frozen=True)
class Ownership:
    detection_id: str
    repository: str
    # The content hash of the rule as applied (None: not known, as in a rule applied by an older kqlrules).
    content_hash: str | None = None


def content_hash(comparable: Any) -> str:
    """The hash of a rule's comparable body (targets' `normalise`) with its own hash mark taken out."""
    text = json.dumps(without_hash(comparable), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:HASH_LENGTH]


def without_hash(value: Any) -> Any:
    """A body (or its comparable form) without the hash mark: in a description marker or in the tags."""
    if isinstance(value, dict):
        return {k: without_hash(v) for k, v in value.items() if k != TAG_HASH}
    if isinstance(value, list):
        return [without_hash(v) for v in value]
    if isinstance(value, str) and "[kqlrules " in value:
        return _HASH_IN_MARKER.sub("]", value)
    return value


def repository_identity(text: str) -> str:
    """A repository name usable in a tag value and a description marker: no spaces or brackets."""
    cleaned = re.sub(r"[\s\[\]]+", "-", text.strip()).strip("-")
    return cleaned or "kqlrules"


def monitor_tags(owner: Ownership) -> dict[str, str]:
    tags = {TAG_DETECTION: owner.detection_id, TAG_REPOSITORY: owner.repository}
    if owner.content_hash:
        tags[TAG_HASH] = owner.content_hash
    return tags


def owner_from_tags(tags: dict[str, str] | None) -> Ownership | None:
    tags = tags or {}
    detection, repository = tags.get(TAG_DETECTION), tags.get(TAG_REPOSITORY)
    if not detection or not repository:
        return None
    return Ownership(detection.lower(), repository, tags.get(TAG_HASH) or None)


def marker_text(owner: Ownership) -> str:
    recorded = f" hash={owner.content_hash}" if owner.content_hash else ""
    return f"[kqlrules repository={owner.repository} detection={owner.detection_id}{recorded}]"


def with_marker(description: str, owner: Ownership) -> str:
    marker = marker_text(owner)
    body = _MARKER.sub("", description).rstrip()
    return f"{body}\n\n{marker}" if body else marker


def owner_from_description(description: str | None) -> Ownership | None:
    match = _MARKER.search(description or "")
    if match is None:
        return None
    return Ownership(match.group("id").lower(), match.group("repo"), match.group("hash"))
