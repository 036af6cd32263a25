"""A near-real-time window's query runs as the query its scope narrows, with the scope given to the engine
as parameters: the answer must be the one of the text with its `let` lines, window after window, over rows
ingested inside and outside the scope, and the translation is made once for all the windows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kqlrules.engine import CACHE, KqlEngineError, LocalEngine
from kqlrules.runner.ingestion import ingestion_scoped
from kqlrules.runner.schedule import INGESTION, window_ending
from kqlrules.table import Column, Table
from kqlrules.workspace import LocalWorkspace
from kqlrules.workspace.ingestion_scope import run_in_scope, split_ingestion_scope

T0 = datetime(2024, 5, 1, 10, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


def tables() -> dict[str, Table]:
    # Audit's rows arrive late (ingested 3 to 9 minutes after their TimeGenerated); Signin's have no
    # `_IngestionTime`: their ingestion time is their TimeGenerated.
    audit = Table(
        [
            Column("TimeGenerated", "datetime"),
            Column("Operation", "string"),
            Column("_IngestionTime", "datetime"),
        ],
        [[T0 + i * MINUTE, f"op{i}", T0 + (i + 3 + i % 7) * MINUTE] for i in range(0, 40, 2)],
    )
    signin = Table(
        [Column("TimeGenerated", "datetime"), Column("User", "string")],
        [[T0 + i * MINUTE, f"user{i % 4}"] for i in range(0, 40, 3)],
    )
    return {"Audit": audit, "Signin": signin}


def windows(query: str, scoped: list[str]) -> list[tuple[str, tuple[datetime, datetime]]]:
    found = []
    for minutes in range(1, 50, 5):
        window = window_ending(T0 + minutes * MINUTE, 3 * MINUTE, INGESTION, timedelta(hours=1), 3 * MINUTE)
        found.append((ingestion_scoped(query, scoped, window), window.timespan))
    return found


QUERIES = [
    ("Audit | project Operation, TimeGenerated", ["Audit"]),
    ("Audit | summarize n = count(), latest = max(TimeGenerated) by bin(TimeGenerated, 10m)", ["Audit"]),
    # A `let` over the table, a self-join and a union: every name of the table is the narrowed table.
    (
        "let ops = Audit | where Operation != 'op4';\n"
        "ops | join kind=leftouter (Audit | project Operation, Again = TimeGenerated) on Operation\n"
        "| union (Audit | take 0) | project Operation, Again",
        ["Audit"],
    ),
    # Two scoped tables, one of them without `_IngestionTime`.
    (
        "union withsource=Source Audit, Signin | project Source, TimeGenerated, Operation, User",
        ["Audit", "Signin"],
    ),
    # A scoped table read with one that is not.
    ("Audit | extend Users = toscalar(Signin | count) | project Operation, Users", ["Audit"]),
]


def text_answer(kql: str, span: tuple[datetime, datetime], engine: LocalEngine | None = None) -> Table:
    engine = engine or LocalEngine(tables(), type_column=True)
    return engine.query(kql, now=span[1], timespan=span)


@pytest.mark.parametrize(("query", "scoped"), QUERIES)
def test_the_parameters_answer_as_the_let_lines_do_window_after_window(query: str, scoped: list[str]) -> None:
    engine, text_engine = LocalEngine(tables(), type_column=True), LocalEngine(tables(), type_column=True)
    answers = []
    for kql, span in windows(query, scoped):
        scope = split_ingestion_scope(kql)
        assert scope is not None
        through_parameters = run_in_scope(engine, kql, scope, span[1], span)
        assert through_parameters is not None, "the narrowed query stands for the text"
        expected = text_answer(kql, span, text_engine)
        assert through_parameters.columns == expected.columns
        assert sorted(map(repr, through_parameters.rows)) == sorted(map(repr, expected.rows))
        answers.append(len(expected.rows))
    assert len(set(answers)) > 1, "the windows hold different rows"


def test_every_window_shares_one_translation() -> None:
    engine = LocalEngine(tables(), type_column=True)
    query = "Audit | where Operation startswith 'op' | project Operation"
    texts = windows(query, ["Audit"])
    for kql, span in texts:
        scope = split_ingestion_scope(kql)
        assert scope is not None
        run_in_scope(engine, kql, scope, span[1], span)
    # The first window's text is translated once (to know the text itself translates), no later one.
    windowed = engine.fingerprint + "|windowed"
    assert CACHE.get((texts[0][0], windowed)) is not None
    assert all(CACHE.get((kql, windowed)) is None for kql, _ in texts[1:])


def test_the_workspace_answers_a_scoped_window_as_the_text() -> None:
    for answer_quiet_windows in (True, False):
        workspace = LocalWorkspace(tables=tables(), answer_quiet_windows=answer_quiet_windows)
        text_engine = LocalEngine(tables(), type_column=True)
        for kql, span in windows(QUERIES[3][0], QUERIES[3][1]):
            got, expected = workspace.query(kql, span), text_answer(kql, span, text_engine)
            assert sorted(map(repr, got.rows)) == sorted(map(repr, expected.rows))


@pytest.mark.parametrize(
    "query",
    [
        'table("Audit") | project Operation',  # table(): the let is not where this name is looked up
        "union Aud* | project Operation",  # a wildcard names tables, not the let
    ],
)
def test_a_table_read_other_than_by_its_name_runs_the_text(query: str) -> None:
    engine = LocalEngine(tables(), type_column=True)
    workspace = LocalWorkspace(tables=tables(), answer_quiet_windows=False)
    for kql, span in windows(query, ["Audit"])[3:6]:
        scope = split_ingestion_scope(kql)
        assert scope is not None
        assert run_in_scope(engine, kql, scope, span[1], span) is None
        assert workspace.query(kql, span) == text_answer(kql, span, engine)


def test_a_scope_over_a_table_the_workspace_lacks_fails_as_the_text() -> None:
    kql, span = windows("Audit | project Operation", ["Missing"])[3]
    workspace = LocalWorkspace(tables=tables(), answer_quiet_windows=False)
    with pytest.raises(KqlEngineError) as from_workspace:
        workspace.query(kql, span)
    with pytest.raises(KqlEngineError) as from_text:
        text_answer(kql, span)
    assert str(from_workspace.value) == str(from_text.value)


def test_an_error_in_the_narrowed_query_is_reported_at_the_texts_line_and_column() -> None:
    kql, span = windows("Audit\n| project Operation, NoSuchColumn", ["Audit"])[3]
    workspace = LocalWorkspace(tables=tables(), answer_quiet_windows=False)
    with pytest.raises(KqlEngineError) as from_workspace:
        workspace.query(kql, span)
    with pytest.raises(KqlEngineError) as from_text:
        text_answer(kql, span)
    assert (from_workspace.value.line, from_workspace.value.col) == (
        from_text.value.line,
        from_text.value.col,
    )
    assert from_workspace.value.line == 3  # the scope's line, the query's two
