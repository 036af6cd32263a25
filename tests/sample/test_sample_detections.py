"""The detections written alongside the sample tenant: valid metadata, a template that renders, and KQL the
analyzer binds against the published table schemas with every mapped column present in its result."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from kqlrules.kusto import Analyzer, AnalyzerMissing, SchemaSet
from kqlrules.kusto.install import ensure_installed
from kqlrules.rules import Detection, Repository, find_detection, load_repository
from kqlrules.watchlists import load_watchlists, watchlist_schemas

PACK = (
    "identity/anomalous_agent_signin",
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
    "identity/disabled_account_signin_attempts",
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


@pytest.fixture(scope="module")
def repository(project_root: Path) -> Repository:
    return load_repository(project_root)


@pytest.mark.parametrize("key", PACK)
def test_metadata_validates(project_root: Path, key: str) -> None:
    Detection.model_validate(_raw(project_root, key))


@pytest.mark.parametrize("key", PACK)
def test_the_repository_loads_and_renders_it_without_problems(repository: Repository, key: str) -> None:
    assert [str(p) for p in repository.problems] == []
    assert find_detection(repository, key).render().text.strip()


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
    assert "{{ ago(lookback) }}" in template


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
    # The repository's watchlists, as lint gives them (`_GetWatchlist('alias')` binds to their columns).
    # Tables Sentinel CI's set lacks (AZKVAuditLogs) come from the schemas kqlrules ships.
    builtin = SchemaSet.builtin()
    tables = {name: published.tables.get(name) or builtin.tables[name] for name in sorted(used)}
    return SchemaSet(tables).merged(
        watchlist_schemas(load_watchlists(project_root))
    )


@pytest.mark.parametrize("key", PACK)
def test_query_binds_and_returns_every_mapped_column(
    project_root: Path, repository: Repository, analyzer: Analyzer, schemas: SchemaSet, key: str
) -> None:
    meta = _raw(project_root, key)
    analysis = analyzer.analyze(find_detection(repository, key).render().text, schemas)
    assert [(d.line, d.col, d.message) for d in analysis.errors] == []
    produced = {column.name for column in analysis.result_columns or []}
    entities = meta.get("entities", {})
    # {Type: Column}, {Type: {Identifier: Column}}, or a list of {type, fields} (one type mapped twice).
    mappings = (
        [entity["fields"] for entity in entities] if isinstance(entities, list) else list(entities.values())
    )
    mapped = [c for fields in mappings for c in ([fields] if isinstance(fields, str) else fields.values())]
    mapped += list(meta.get("custom_details", {}).values())
    for text in (meta.get("alert") or {}).values():
        mapped += PLACEHOLDER.findall(text)
    assert sorted(set(mapped) - produced) == []
    assert sorted(set(meta["tables"])) == sorted(set(analysis.tables))
