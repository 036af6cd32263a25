"""scan against a direct reading of its docs' matching logic (checks 1 and 2, last step to first), on
pseudo-random event sequences: the engine's one-statement translation must give the same rows."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from kqlrules.engine import LocalEngine
from kqlrules.table import Column, Table

Record = dict[str, Any]
States = dict[int, Record]


@dataclass
class Step:
    condition: Callable[[Record, States], bool]
    assign: Callable[[Record, States], Record] = field(default=lambda r, s: {})
    emits: bool = True


@dataclass
class State:
    records: States
    match_id: int


DEFAULTS = {"T": None, "E": "", "start": -1, "span": None}


def state_of(state: State | None) -> States:
    return state.records if state is not None else {}


def value(records: States, step: int, column: str) -> Any:
    """`s<step>.<column>`: the default when the state holds no record of that step."""
    return records.get(step, DEFAULTS)[column]


def reference_scan(rows: list[Record], steps: list[Step]) -> list[tuple[Any, ...]]:
    states: dict[int, State | None] = {k: None for k in range(1, len(steps) + 1)}
    next_id = 0
    output = []
    for row in rows:
        for k in range(len(steps), 0, -1):
            step = steps[k - 1]
            previous = states.get(k - 1)
            if k > 1 and previous is not None and step.condition(row, previous.records):
                promoted = State(dict(previous.records), previous.match_id)
                states[k], states[k - 1] = promoted, None
                extended = {**row, "start": -1, "span": None, **step.assign(row, promoted.records)}
                promoted.records[k] = extended
                if step.emits:
                    output.append(
                        (row["T"], row["E"], extended["start"], extended["span"], promoted.match_id)
                    )
                continue
            current = states[k]
            if (current is not None or k == 1) and step.condition(row, state_of(current)):
                extended = {**row, "start": -1, "span": None, **step.assign(row, state_of(current))}
                if current is None:
                    current = states[k] = State({}, next_id)
                    next_id += 1
                current.records[k] = extended
                if step.emits:
                    output.append((row["T"], row["E"], extended["start"], extended["span"], current.match_id))
    return output


def _within(limit: int) -> Callable[[Record, States], bool]:
    return lambda r, s: value(s, 1, "T") is not None and r["T"] - value(s, 1, "T") <= limit


STEPS = [
    Step(lambda r, s: r["E"] == "A", lambda r, s: {"start": r["T"]}),
    Step(lambda r, s: r["E"] == "B" and _within(5)(r, s), emits=False),
    Step(
        lambda r, s: r["E"] == "C" and _within(8)(r, s), lambda r, s: {"span": r["T"] - value(s, 1, "start")}
    ),
]
QUERY = """Events | sort by T asc
| scan with_match_id=m declare (start:long = -1, span:long) with (
    step s1: E == "A" => start = T;
    step s2 output=none: E == "B" and T - s1.T <= 5;
    step s3: E == "C" and T - s1.T <= 8 => span = T - s1.start;)"""


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_scan_matches_the_documented_logic(seed: int) -> None:
    generator = random.Random(seed)
    times = sorted(generator.sample(range(200), 60))
    rows = [{"T": t, "E": generator.choice("AABBCD")} for t in times]
    table = Table([Column("T", "long"), Column("E", "string")], [[r["T"], r["E"]] for r in rows])
    result = LocalEngine({"Events": table}).query(QUERY)
    assert [tuple(row) for row in result.rows] == reference_scan(rows, STEPS)
