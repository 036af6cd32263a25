"""The detections written alongside the sample tenant: valid metadata, a template that renders, and KQL the
analyzer binds against the published table schemas with every mapped column present in its result."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import jinja2
import pytest
import yaml

from kqlrules.kusto import Analyzer, AnalyzerMissing, SchemaSet
from kqlrules.kusto.install import ensure_installed
from kqlrules.rules.model import Detection
from kqlrules.timespan import format_timespan, parse_timespan

PACK = (
    "audit/guest_invited_then_elevated",
    "audit/privileged_role_assigned",
    "audit/risky_app_consent",
    "audit/service_principal_credential_added",
    "azure/diagnostic_settings_deleted",
    "azure/key_vault_secret_mass_access",
    "azure/nsg_open_to_internet",
    "azure/privileged_azure_role_assigned",
    "identity/brute_force_then_success",
    "identity/defender_alert_then_signin",
    "identity/impossible_travel",
    "identity/legacy_auth_signin",
    "identity/mfa_fatigue",
    "identity/new_country_signin",
    "identity/noncompliant_device_signin",
    "identity/password_spray",
)
PLACEHOLDER = re.compile(r"{{\s*(\w+)\s*}}")


def _raw(project_root: Path, key: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((project_root / "queries" / f"{key}.yaml").read_text())
    return data


# A stand-in for the rules room's renderer with the same filters, until the loader is on this branch.
def _kql_literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _render(project_root: Path, key: str) -> str:
    meta = _raw(project_root, key)
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(project_root / "queries")), undefined=jinja2.StrictUndefined
    )
    environment.filters["kql_timespan"] = lambda v: format_timespan(
        v if isinstance(v, timedelta) else parse_timespan(str(v))
    )
    environment.filters["kql_list"] = lambda v: "dynamic([" + ", ".join(_kql_literal(i) for i in v) + "])"
    environment.filters["kql_string"] = _kql_literal
    params = {"lookback": parse_timespan(meta["schedule"]["period"]), **meta.get("params", {})}
    return environment.get_template(f"{key}.kql").render(**params)


@pytest.mark.parametrize("key", PACK)
def test_metadata_validates(project_root: Path, key: str) -> None:
    Detection.model_validate(_raw(project_root, key))


@pytest.mark.parametrize("key", PACK)
def test_each_detection_has_its_query_beside_it(project_root: Path, key: str) -> None:
    assert (project_root / "queries" / f"{key}.kql").is_file()


def test_ids_are_distinct_random_guids(project_root: Path) -> None:
    ids = [uuid.UUID(_raw(project_root, key)["id"]) for key in PACK]
    assert len(set(ids)) == len(PACK)
    assert {identifier.version for identifier in ids} == {4}


@pytest.mark.parametrize("key", PACK)
def test_the_query_filters_time_by_the_period(project_root: Path, key: str) -> None:
    template = (project_root / "queries" / f"{key}.kql").read_text()
    assert "ago({{ lookback | kql_timespan }})" in template


@pytest.mark.parametrize("key", PACK)
def test_the_description_says_what_fires_it_in_the_sample(project_root: Path, key: str) -> None:
    description = _raw(project_root, key)["description"]
    assert "Sample tenant: fires" in description and "must not fire" in description


@pytest.fixture(scope="module")
def analyzer() -> Iterator[Analyzer]:
    try:
        ensure_installed()
    except AnalyzerMissing as missing:
        pytest.skip(str(missing))
    with Analyzer() as instance:
        yield instance


@pytest.fixture(scope="module")
def schemas(shared_dir: Path, project_root: Path) -> SchemaSet:
    published = SchemaSet.load(shared_dir / "schemas" / "tables")
    # Only the tables the pack reads: the analyzer starts faster with a few tables than with all of them.
    used = {table for key in PACK for table in _raw(project_root, key)["tables"]}
    return SchemaSet({name: published.tables[name] for name in sorted(used)})


@pytest.mark.parametrize("key", PACK)
def test_query_binds_and_returns_every_mapped_column(
    project_root: Path, analyzer: Analyzer, schemas: SchemaSet, key: str
) -> None:
    meta = _raw(project_root, key)
    analysis = analyzer.analyze(_render(project_root, key), schemas)
    assert [(d.line, d.col, d.message) for d in analysis.errors] == []
    produced = {column.name for column in analysis.result_columns or []}
    mapped = [c for fields in meta.get("entities", {}).values() for c in fields.values()]
    mapped += list(meta.get("custom_details", {}).values())
    for text in (meta.get("alert") or {}).values():
        mapped += PLACEHOLDER.findall(text)
    assert sorted(set(mapped) - produced) == []
    assert sorted(set(meta["tables"])) == sorted(set(analysis.tables))
