"""The ATT&CK Enterprise matrix kqlrules checks mappings against: technique id -> name and tactics.

The table (`attack_enterprise.json`) holds only ids, names and tactics of MITRE ATT&CK Enterprise, at the
version it names; tactics use Sentinel's spelling (`InitialAccess`, `CommandAndControl`, ...).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

_DATA = Path(__file__).with_name("attack_enterprise.json")

# Sentinel tactic -> ATT&CK Navigator tactic short name.
NAVIGATOR_TACTICS = {
    "Reconnaissance": "reconnaissance",
    "ResourceDevelopment": "resource-development",
    "InitialAccess": "initial-access",
    "Execution": "execution",
    "Persistence": "persistence",
    "PrivilegeEscalation": "privilege-escalation",
    "DefenseEvasion": "defense-evasion",
    "CredentialAccess": "credential-access",
    "Discovery": "discovery",
    "LateralMovement": "lateral-movement",
    "Collection": "collection",
    "CommandAndControl": "command-and-control",
    "Exfiltration": "exfiltration",
    "Impact": "impact",
}


@dataclass(frozen=True)
class Technique:
    id: str
    name: str
    tactics: tuple[str, ...]


@dataclass(frozen=True)
class Matrix:
    version: str
    techniques: dict[str, Technique]

    def get(self, technique_id: str) -> Technique | None:
        return self.techniques.get(technique_id.upper())


@cache
def enterprise_matrix() -> Matrix:
    data = json.loads(_DATA.read_text(encoding="utf-8"))
    techniques = {
        tid: Technique(tid, entry["name"], tuple(entry["tactics"]))
        for tid, entry in data["techniques"].items()
    }
    return Matrix(str(data["attack_version"]), techniques)
