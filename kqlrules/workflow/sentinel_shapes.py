"""The shape of a Sentinel analytic rule file, checked before it is translated, so that a field of the
wrong kind (a list where an object belongs, a word where a number does) is a message naming the field,
not a crash. The shapes are those of the rule template the Azure-Sentinel repository validates
(`.script/tests/detectionTemplateSchemaValidation`) and of `Microsoft.SecurityInsights/alertRules`
(azure-rest-api-specs, AlertRules.json): lists of tactics and techniques, data connectors with a list of
`dataTypes`, entity mappings with a list of `fieldMappings`, objects for the settings blocks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# Where each kind of value must be; "*" stands for every item of a list.
_LISTS = (
    ("tactics",),
    ("relevantTechniques",),
    ("techniques",),
    ("subTechniques",),
    ("tags",),
    ("requiredDataConnectors",),
    ("requiredDataConnectors", "*", "dataTypes"),
    ("entityMappings",),
    ("entityMappings", "*", "fieldMappings"),
    ("alertDetailsOverride", "alertDynamicProperties"),
    ("incidentConfiguration", "groupingConfiguration", "groupByEntities"),
    ("incidentConfiguration", "groupingConfiguration", "groupByAlertDetails"),
    ("incidentConfiguration", "groupingConfiguration", "groupByCustomDetails"),
)
_OBJECTS = (
    ("requiredDataConnectors", "*"),
    ("entityMappings", "*"),
    ("entityMappings", "*", "fieldMappings", "*"),
    ("customDetails",),
    ("alertDetailsOverride",),
    ("alertDetailsOverride", "alertDynamicProperties", "*"),
    ("eventGroupingSettings",),
    ("incidentConfiguration",),
    ("incidentConfiguration", "groupingConfiguration"),
)
_WHOLE_NUMBERS = (("triggerThreshold",),)


def shape_problem(data: dict[str, Any]) -> str | None:
    """The first field of `data` whose value has the wrong kind, as `field: what it should be`."""
    checks: tuple[tuple[tuple[tuple[str, ...], ...], str, Callable[[Any], bool]], ...] = (
        (_LISTS, "a list", lambda v: isinstance(v, list)),
        (_OBJECTS, "an object", lambda v: isinstance(v, dict)),
        (_WHOLE_NUMBERS, "a whole number", lambda v: isinstance(v, int) and not isinstance(v, bool)),
    )
    for paths, wanted, fits in checks:
        for path in paths:
            for where, value in _values(data, path, ""):
                # A field left empty (null) is absent; an item of a list that is null is still wrong.
                if (value is not None or path[-1] == "*") and not fits(value):
                    return f"{where} must be {wanted}, not {type(value).__name__} {_short(value)}"
    return None


def _values(node: Any, path: tuple[str, ...], where: str) -> list[tuple[str, Any]]:
    """Every value at `path` under `node` that exists (missing or null parents are not this check's)."""
    if not path:
        return [(where, node)]
    head, rest = path[0], path[1:]
    if head == "*":
        if not isinstance(node, list):
            return []
        return [pair for i, item in enumerate(node) for pair in _values(item, rest, f"{where}[{i}]")]
    if not isinstance(node, dict) or node.get(head) is None:
        return []
    return _values(node[head], rest, f"{where}.{head}" if where else head)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
