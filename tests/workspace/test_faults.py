from __future__ import annotations

import re
from pathlib import Path

import pytest

from kqlrules.errors import KqlrulesError
from kqlrules.workspace.faults import FaultDraw, Faults


def test_scripted_faults_come_first_and_in_order() -> None:
    draw = FaultDraw(Faults(script=["throttle", "drop", "ok"]))
    assert [draw.next() for _ in range(4)] == ["throttle", "drop", "ok", "ok"]


def test_the_same_seed_draws_the_same_faults() -> None:
    faults = Faults(throttle=0.3, server_error=0.2, partial=0.1, seed=7)
    first, second = FaultDraw(faults), FaultDraw(faults)
    assert [first.next() for _ in range(50)] == [second.next() for _ in range(50)]


def test_rates_pick_faults_in_proportion() -> None:
    draw = FaultDraw(Faults(throttle=0.5, seed=1))
    drawn = [draw.next() for _ in range(1000)]
    assert 400 < drawn.count("throttle") < 600
    assert set(drawn) == {"throttle", "ok"}


def test_an_unknown_setting_in_a_fault_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "faults.json"
    path.write_text('{"throttle": 0.1, "explode": true}')
    with pytest.raises(KqlrulesError, match=r"faults.json: unknown fault setting\(s\) explode"):
        Faults.from_file(path)


def test_a_fault_file_that_is_not_json_points_at_the_mistake(tmp_path: Path) -> None:
    path = tmp_path / "faults.json"
    path.write_text('{"throttle": 0.1,\n  oops}')
    with pytest.raises(KqlrulesError) as raised:
        Faults.from_file(path)
    assert str(raised.value).startswith(f"{path}:2:")


def test_a_rate_outside_zero_to_one_is_refused() -> None:
    with pytest.raises(KqlrulesError, match="between 0 and 1"):
        Faults(drop=1.5)


@pytest.mark.parametrize(
    ("settings", "says"),
    [
        ({"latency": "slow"}, "latency='slow' must be a number"),
        ({"latency": -1}, "must not be negative"),
        ({"retry_after": True}, "must be a number"),
        ({"server_error_status": "503"}, "must be a whole number"),
        ({"seed": 1.5}, "must be a whole number"),
        ({"script": "drop"}, "must be a list"),
    ],
)
def test_a_fault_setting_of_the_wrong_type_is_refused_by_name(settings: dict[str, object], says: str) -> None:
    with pytest.raises(KqlrulesError, match=re.escape(says)):
        Faults.from_mapping(settings)


def test_a_fault_file_that_is_not_utf8_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "faults.json"
    path.write_bytes(b'{"throttle": 0.1,\n "script": ["\xff"]}')
    with pytest.raises(KqlrulesError) as raised:
        Faults.from_file(path)
    assert raised.value.location is not None and raised.value.location.line == 2
    assert "not UTF-8" in raised.value.message
