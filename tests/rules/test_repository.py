"""Loading a repository: pairs of files, unique ids, problems collected, detections found by name."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from kqlrules.errors import KqlrulesError
from kqlrules.rules import RepositoryProblems, find_detection, load_repository
from tests.rules.conftest import GOOD_YAML, WriteFile

OTHER_ID = GOOD_YAML.replace("4d1c5f7e-0f6a-4c1e-9b8e-2f1d3c4b5a69", "0b6f1f0e-3a55-4d8e-9b1c-6f3e2a1d9c77")


def messages(root: Path) -> list[str]:
    return [str(problem) for problem in load_repository(root).problems]


def test_detections_know_their_files_name_and_area(repo: Path, detection: Callable[..., None]) -> None:
    detection(name="risky", area="identity")
    [loaded] = load_repository(repo).detections
    assert (loaded.name, loaded.area, loaded.key) == ("risky", "identity", "identity/risky")
    assert loaded.yaml_path == repo / "queries/identity/risky.yaml"
    assert loaded.kql_path == repo / "queries/identity/risky.kql"
    assert loaded.meta.name == "Example detection"


def test_metadata_without_a_template(repo: Path, write: WriteFile) -> None:
    write("queries/audit/lonely.yaml", GOOD_YAML)
    assert messages(repo) == [
        "queries/audit/lonely.yaml: no query template next to this metadata (expected lonely.kql)"
    ]


def test_template_without_metadata(repo: Path, write: WriteFile) -> None:
    write("queries/audit/lonely.kql", "AuditLogs")
    assert messages(repo) == [
        "queries/audit/lonely.kql: no metadata next to this query template (expected lonely.yaml)"
    ]


def test_duplicate_ids_are_reported_in_both_files(repo: Path, detection: Callable[..., None]) -> None:
    detection(name="first")
    detection(name="second", area="audit")
    assert messages(repo) == [
        "queries/audit/second.yaml:1:5: duplicate id 4d1c5f7e-0f6a-4c1e-9b8e-2f1d3c4b5a69: also used by "
        "queries/identity/first.yaml:1:5\n"
        "  hint: ids are immutable and unique; give the newer detection a new GUID",
        "queries/identity/first.yaml:1:5: duplicate id 4d1c5f7e-0f6a-4c1e-9b8e-2f1d3c4b5a69: also used by "
        "queries/audit/second.yaml:1:5\n"
        "  hint: ids are immutable and unique; give the newer detection a new GUID",
    ]


def test_one_broken_detection_does_not_hide_the_others(repo: Path, detection: Callable[..., None]) -> None:
    detection(name="broken", yaml="id: [")
    detection(name="fine", yaml=OTHER_ID)
    loaded = load_repository(repo)
    assert [item.name for item in loaded.detections] == ["fine"]
    assert len(loaded.problems) == 1


def test_strict_loading_raises_every_problem_at_once(repo: Path, detection: Callable[..., None]) -> None:
    detection(name="one", yaml="id: [")
    detection(name="two", yaml="name: [")
    with pytest.raises(RepositoryProblems) as raised:
        load_repository(repo, strict=True)
    assert len(raised.value.problems) == 2
    assert str(raised.value).count("invalid YAML") == 2


def test_macros_tests_and_fixtures_are_not_detections(repo: Path, write: WriteFile) -> None:
    write("queries/_macros/common.kql", "{% macro x() %}x{% endmacro %}")
    write("queries/identity/example.tests.yaml", "cases: []")
    write("queries/identity/fixtures/SigninLogs.yaml", "rows: []")
    loaded = load_repository(repo)
    assert (loaded.detections, loaded.problems) == ([], [])


def test_a_folder_without_queries_is_not_a_repository(tmp_path: Path) -> None:
    with pytest.raises(KqlrulesError, match="no queries/ folder"):
        load_repository(tmp_path)


@pytest.mark.parametrize(
    "wanted",
    [
        "example",
        "identity/example",
        "4d1c5f7e-0f6a-4c1e-9b8e-2f1d3c4b5a69",
        "queries/identity/example.yaml",
        "queries/identity/example.kql",
    ],
)
def test_find_detection_by_name_key_id_or_path(
    repo: Path, detection: Callable[..., None], wanted: str
) -> None:
    detection()
    assert find_detection(load_repository(repo), wanted).key == "identity/example"


def test_find_detection_suggests_a_close_name(repo: Path, detection: Callable[..., None]) -> None:
    detection()
    with pytest.raises(KqlrulesError) as raised:
        find_detection(load_repository(repo), "exampel")
    assert str(raised.value) == "no detection 'exampel'\n  hint: did you mean example?"


def test_find_detection_refuses_an_ambiguous_name(repo: Path, detection: Callable[..., None]) -> None:
    detection(area="identity")
    detection(area="audit", yaml=OTHER_ID)
    with pytest.raises(KqlrulesError, match="names several detections: audit/example, identity/example"):
        find_detection(load_repository(repo), "example")


def test_a_rendered_query_over_ten_thousand_characters_is_refused(
    repo: Path, detection: Callable[..., None]
) -> None:
    detection(kql="SigninLogs\n| where UserPrincipalName != {{ ('x' * 10000) | kql_string }}\n")
    [loaded] = load_repository(repo).detections
    with pytest.raises(KqlrulesError) as raised:
        loaded.render()
    assert str(raised.value) == (
        "queries/identity/example.kql: rendered query is 10,042 characters; the limit is 10,000"
    )


def test_validate_collects_load_and_render_problems(repo: Path, detection: Callable[..., None]) -> None:
    detection(name="loads_badly", yaml="id: [")
    detection(name="renders_badly", yaml=OTHER_ID, kql="T | where x == {{ missing }}")
    found = [str(problem) for problem in load_repository(repo).validate()]
    assert [message.split(": ")[0] for message in found] == [
        "queries/identity/loads_badly.yaml:1:6",
        "queries/identity/renders_badly.kql:1:19",
    ]


def test_the_seed_pack_is_valid(project_root: Path) -> None:
    repository = load_repository(project_root)
    assert repository.validate() == []
    assert {item.area for item in repository.detections} == {"identity", "audit", "azure", "intune", "risk"}


def test_every_seed_query_filters_time_by_its_schedule_period(project_root: Path) -> None:
    from kqlrules.timespan import format_timespan

    for item in load_repository(project_root).detections:
        period = format_timespan(item.meta.schedule.period)
        assert f"where TimeGenerated > ago({period})" in item.render().text, item.key
