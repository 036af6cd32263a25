"""The fast metadata read (libyaml, YAML 1.2 core schema) says what ruamel's position-keeping read says,
and hands over to it wherever libyaml would be more lenient than the spec."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from kqlrules.rules.fast_yaml import load_core12
from kqlrules.rules.loader import check_metadata, plain, read_yaml

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "text",
    [
        "a: yes\nb: on\nc: No",  # text in YAML 1.2, booleans in 1.1
        "a: 010\nb: 0o17\nc: 0x1F\nd: 1_000\ne: -7",
        "a: 1:30",  # sexagesimal in 1.1 only
        "a: .5\nb: 1e3\nc: -.inf\nd: 1.",
        "a: 2026-01-01\nb: 2026-01-10T12:00:00Z",
        "a: ~\nb: null\nc:\nd: true\ne: FALSE",
        "a: &x [1, 2]\nb: *x\n1: one",
    ],
)
def test_scalars_read_as_ruamel_reads_them(tmp_path: Path, text: str) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(text)
    slow, fast = plain(read_yaml(path)), load_core12(text)
    assert fast == slow
    # The same types (ruamel's TimeStamp is a datetime subclass).
    assert all(isinstance(s, type(f)) for f, s in zip(fast.values(), slow.values(), strict=True))


def test_every_pack_and_scaffold_file_reads_the_same() -> None:
    files = [*(ROOT / "queries").rglob("*.yaml"), *(ROOT / "kqlrules/workflow/scaffold").rglob("*.yaml")]
    assert files
    for path in files:
        assert load_core12(path.read_text(encoding="utf-8")) == plain(read_yaml(path)), path


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\na: 2",  # a duplicate key: ruamel refuses, PyYAML would keep the last
        "q: |\n \n  x\n",  # an all-space line deeper than the block scalar (YAML 1.2.2, 8.1.1.1)
        "a:\t1",
    ],
)
def test_what_libyaml_would_let_through_is_left_to_the_strict_read(text: str) -> None:
    with pytest.raises(yaml.YAMLError):
        load_core12(text)


def test_a_problem_is_still_reported_at_its_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "d.yaml"
    path.write_text("id: 4d1c5f7e-0f6a-4c1e-9b8e-2f1d3c4b5a69\nname: x\nname: y\n")
    problems, detection, _ = check_metadata(path)
    assert detection is None
    assert ":3:1:" in str(problems[0]) and "duplicate" in str(problems[0]).lower()
