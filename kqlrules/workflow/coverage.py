"""`kqlrules coverage attack`: ATT&CK techniques covered, as a Navigator layer and a matrix."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from kqlrules.rules import Detection
from kqlrules.workflow.attack import NAVIGATOR_TACTICS, Matrix, enterprise_matrix

LAYER_FORMAT = "4.5"
NAVIGATOR_VERSION = "5.1.0"


@dataclass(frozen=True)
class MappingProblem:
    detection: str
    message: str


@dataclass
class Coverage:
    matrix: Matrix
    # (tactic, technique id) -> names of the detections mapped there
    cells: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    problems: list[MappingProblem] = field(default_factory=list)

    def by_tactic(self) -> dict[str, dict[str, list[str]]]:
        out: dict[str, dict[str, list[str]]] = defaultdict(dict)
        for (tactic, technique), names in sorted(self.cells.items()):
            out[tactic][technique] = names
        return dict(out)


def compute_coverage(detections: Sequence[Detection], matrix: Matrix | None = None) -> Coverage:
    """Place each detection's techniques under the tactics it lists; report mappings ATT&CK does not have."""
    matrix = matrix or enterprise_matrix()
    coverage = Coverage(matrix)
    cells: dict[tuple[str, str], list[str]] = defaultdict(list)
    for detection in detections:
        for technique_id in detection.techniques:
            technique = matrix.get(technique_id) or matrix.get(technique_id.split(".")[0])
            if technique is None:
                coverage.problems.append(
                    MappingProblem(
                        detection.name, f"{technique_id} is not an ATT&CK {matrix.version} technique"
                    )
                )
                continue
            tactics = [t for t in detection.tactics if t in technique.tactics]
            if not tactics:
                coverage.problems.append(
                    MappingProblem(
                        detection.name,
                        f"{technique_id} ({technique.name}) belongs to {', '.join(technique.tactics)}, "
                        f"none of the detection's tactics ({', '.join(detection.tactics) or 'none'})",
                    )
                )
                tactics = list(technique.tactics[:1])
            for tactic in tactics:
                cells[(tactic, technique_id.upper())].append(detection.name)
    coverage.cells = dict(cells)
    return coverage


ENTERPRISE_PLATFORMS = (
    "Windows",
    "macOS",
    "Linux",
    "PRE",
    "Containers",
    "ESXi",
    "IaaS",
    "Identity Provider",
    "Network Devices",
    "Office Suite",
    "SaaS",
)


def navigator_layer(coverage: Coverage, name: str = "kqlrules coverage") -> dict[str, Any]:
    """An ATT&CK Navigator layer (format 4.5): an entry per (technique, tactic), scored by detection count."""
    techniques = []
    top = max((len(v) for v in coverage.cells.values()), default=1)
    # A parent technique opens in the Navigator to show its covered sub-techniques (its cell is collapsed
    # otherwise, and the covered sub-technique is hidden): `showSubtechniques` on the parent's entry.
    expanded = {
        (tactic, technique_id.split(".")[0]) for tactic, technique_id in coverage.cells if "." in technique_id
    }
    for (tactic, technique_id), names in sorted(coverage.cells.items()):
        techniques.append(
            {
                "techniqueID": technique_id,
                "tactic": NAVIGATOR_TACTICS.get(tactic, tactic.lower()),
                "score": len(names),
                "color": "",
                "comment": "; ".join(sorted(names)),
                "enabled": True,
                "metadata": [{"name": "detection", "value": n} for n in sorted(names)],
                "showSubtechniques": (tactic, technique_id) in expanded,
            }
        )
    for tactic, parent in sorted(expanded - set(coverage.cells)):
        techniques.append(
            {
                "techniqueID": parent,
                "tactic": NAVIGATOR_TACTICS.get(tactic, tactic.lower()),
                "enabled": True,
                "showSubtechniques": True,
            }
        )
    return {
        "name": name,
        "versions": {
            "attack": coverage.matrix.version.split(".")[0],
            "navigator": NAVIGATOR_VERSION,
            "layer": LAYER_FORMAT,
        },
        "domain": "enterprise-attack",
        "description": "Techniques covered by this repository's detections (score = number of detections).",
        "filters": {
            # The Enterprise matrix's platforms in ATT&CK v18 (https://attack.mitre.org/matrices/enterprise/):
            # "Azure AD" is now "Identity Provider", "Office 365" and "Google Workspace" are "Office Suite".
            "platforms": list(ENTERPRISE_PLATFORMS)
        },
        "sorting": 0,
        "layout": {"layout": "side", "aggregateFunction": "average", "showID": True, "showName": True},
        "hideDisabled": False,
        "techniques": techniques,
        "gradient": {"colors": ["#ffffffff", "#66b1ffff"], "minValue": 0, "maxValue": top},
        "legendItems": [],
        "metadata": [],
        "links": [],
        "showTacticRowBackground": False,
        "tacticRowBackground": "#dddddd",
        "selectTechniquesAcrossTactics": True,
        "selectSubtechniquesWithParent": False,
        "selectVisibleTechniques": False,
    }


def markdown_matrix(coverage: Coverage) -> str:
    """Tactics x techniques with detection counts, for a README or a pull-request comment."""
    lines = [
        f"# ATT&CK coverage (Enterprise {coverage.matrix.version})",
        "",
        "| Tactic | Technique | Detections |",
        "| --- | --- | --- |",
    ]
    order = list(NAVIGATOR_TACTICS)
    for tactic in sorted(coverage.by_tactic(), key=lambda t: order.index(t) if t in order else len(order)):
        for technique_id, names in coverage.by_tactic()[tactic].items():
            technique = coverage.matrix.get(technique_id)
            label = f"{technique_id} {technique.name}" if technique else technique_id
            lines.append(f"| {tactic} | {label} | {len(names)}: {', '.join(sorted(names))} |")
    if coverage.problems:
        lines += ["", "## Mapping problems", ""]
        lines += [f"- {p.detection}: {p.message}" for p in coverage.problems]
    return "\n".join(lines) + "\n"
