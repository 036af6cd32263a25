"""A small validator for request and response bodies against the Azure REST specs in shared/specs.

It follows `$ref` across the spec files (mapped to where shared/specs/README.md says they are stored),
and checks types, required fields, enums, nested objects and arrays, `allOf`, the `kind` discriminator,
ISO 8601 `duration` formats and, for requests, that no read-only field is sent.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

DURATION = re.compile(r"^P(?!$)(\d+(\.\d+)?D)?(T(?=\d)(\d+(\.\d+)?H)?(\d+(\.\d+)?M)?(\d+(\.\d+)?S)?)?$")
# The specs' relative references, mapped to the files' places under shared/specs.
_FILES = {
    "monitor": "monitor-2023-12-01/scheduledQueryRule_API.json",
    "sentinel": "securityinsights-2025-09-01/AlertRules.json",
}
_COMMON = "../../../../../common-types/resource-management"
_REFS = {
    f"{_COMMON}/v5/types.json": "common-types/resource-management/v5/types.json",
    f"{_COMMON}/v2/types.json": "common-types/resource-management/v2/types.json",
    "../../../common/2.0/types.json": "securityinsights-2025-09-01/rp-common/2.0/types.json",
    "./common/AlertTypes.json": "securityinsights-2025-03-01/common/AlertTypes.json",
    # Not stored (README: "Not included"); ARM's base Resource is id/name/type, all read-only.
    "../../../../common-types/resource-management/v3/types.json": None,
}
_RESOURCE = {
    "type": "object",
    "properties": {k: {"type": "string", "readOnly": True} for k in ("id", "name", "type")},
}


class Spec:
    def __init__(self, specs: Path, which: str) -> None:
        self.root = specs
        self.file = _FILES[which]

    @cache  # noqa: B019 - a handful of files per test session
    def load(self, file: str) -> Any:
        return json.loads((self.root / file).read_text(encoding="utf-8"))

    def definition(self, name: str, file: str | None = None) -> tuple[dict[str, Any], str]:
        file = file or self.file
        return self.load(file)["definitions"][name], file

    def resolve(self, ref: str, file: str) -> tuple[dict[str, Any], str]:
        target, _, pointer = ref.partition("#")
        if target:
            mapped = _REFS[target]
            if mapped is None:
                return _RESOURCE, file
            file = mapped
        node: Any = self.load(file)
        for part in pointer.strip("/").split("/"):
            node = node[part]
        return node, file

    def schema(self, name: str) -> dict[str, Any]:
        return self.definition(name)[0]

    def discriminated(self, base: str, value: str) -> str:
        """The definition whose `x-ms-discriminator-value` is `value` and that derives from `base`."""
        for name, definition in self.load(self.file)["definitions"].items():
            if definition.get("x-ms-discriminator-value") == value and any(
                part.get("$ref", "").endswith(f"/{base}") for part in definition.get("allOf", [])
            ):
                return str(name)
        raise KeyError(f"no {base} with kind {value}")

    def errors(self, value: Any, definition: str, *, request: bool) -> list[str]:
        schema, file = self.definition(definition)
        problems: list[str] = []
        self._check(value, schema, file, "$", request, problems)
        return problems

    def _merged(self, schema: dict[str, Any], file: str) -> tuple[dict[str, Any], list[str], dict[str, str]]:
        """Properties (with the file each came from), required names, from a schema and its allOf parents."""
        properties: dict[str, Any] = {}
        origins: dict[str, str] = {}
        required = list(schema.get("required", []))
        for part in schema.get("allOf", []):
            parent, parent_file = self.resolve(part["$ref"], file) if "$ref" in part else (part, file)
            inherited, inherited_required, inherited_origin = self._merged(parent, parent_file)
            properties.update(inherited)
            origins.update(inherited_origin)
            required += inherited_required
        for key, value in schema.get("properties", {}).items():
            properties[key] = value
            origins[key] = file
        return properties, required, origins

    def _check(
        self, value: Any, schema: dict[str, Any], file: str, path: str, request: bool, problems: list[str]
    ) -> None:
        if "$ref" in schema:
            resolved, file = self.resolve(schema["$ref"], file)
            schema = {**resolved, **{k: v for k, v in schema.items() if k != "$ref"}}
        if value is None:
            return
        if request and schema.get("readOnly"):
            problems.append(f"{path}: read-only, must not be sent")
            return
        kind = schema.get("type") or ("object" if "properties" in schema or "allOf" in schema else None)
        if "enum" in schema and value not in schema["enum"]:
            problems.append(f"{path}: {value!r} not in {schema['enum']}")
        if kind == "string":
            if not isinstance(value, str):
                problems.append(f"{path}: not a string")
            elif schema.get("format") == "duration" and not DURATION.match(value):
                problems.append(f"{path}: {value!r} is not an ISO 8601 duration")
        elif kind == "integer" and (isinstance(value, bool) or not isinstance(value, int)):
            problems.append(f"{path}: not an integer")
        elif kind == "number" and (isinstance(value, bool) or not isinstance(value, int | float)):
            problems.append(f"{path}: not a number")
        elif kind == "boolean" and not isinstance(value, bool):
            problems.append(f"{path}: not a boolean")
        elif kind == "array":
            if not isinstance(value, list):
                problems.append(f"{path}: not an array")
                return
            for index, item in enumerate(value):
                self._check(item, schema.get("items", {}), file, f"{path}[{index}]", request, problems)
        elif kind == "object":
            if not isinstance(value, dict):
                problems.append(f"{path}: not an object")
                return
            properties, required, origins = self._merged(schema, file)
            for name in required:
                if value.get(name) is None and not (properties.get(name, {}).get("readOnly") and request):
                    problems.append(f"{path}.{name}: required")
            extra = schema.get("additionalProperties")
            for key, item in value.items():
                if key in properties:
                    self._check(item, properties[key], origins[key], f"{path}.{key}", request, problems)
                elif isinstance(extra, dict):
                    self._check(item, extra, file, f"{path}.{key}", request, problems)
                else:
                    problems.append(f"{path}.{key}: not in the spec")


def alert_rule_errors(specs: Path, body: Any, *, request: bool) -> list[str]:
    """A Sentinel alert rule body against the definition its `kind` selects."""
    spec = Spec(specs, "sentinel")
    definition = (
        spec.discriminated("AlertRule", body.get("kind", "")) if isinstance(body, dict) else "AlertRule"
    )
    return spec.errors(body, definition, request=request)


def scheduled_query_rule_errors(specs: Path, body: Any, *, request: bool) -> list[str]:
    return Spec(specs, "monitor").errors(body, "ScheduledQueryRuleResource", request=request)
