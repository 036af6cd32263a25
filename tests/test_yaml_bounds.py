"""The YAML shape limits give the same verdict, at the same place, whichever parser produced the events:
libyaml (fast, when installed) or ruamel's pure-Python parser (the fallback for what libyaml refuses)."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from kqlrules import yaml_bounds
from kqlrules.yaml_bounds import YamlShapeProblem, shape_problem

BOMB = "a0: &a0 [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 9) + "]\n" for level in range(1, 10)
)
DEEP = "k: " + "[" * 70 + "]" * 70 + "\n"
DEEP_BLOCK = "".join("  " * level + f"k{level}:\n" for level in range(70)) + "  " * 70 + "v\n"
FINE = "a: &a [1, 2]\nb: *a\nc: {d: [e, f]}\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (BOMB, "aliases expand it to more than 100,000 values"),
        (DEEP, "nesting deeper than 64 levels"),
        (DEEP_BLOCK, "nesting deeper than 64 levels"),
        (FINE, None),
        ("a: [b, c]d\n", None),  # a syntax error is the real load's to report
    ],
)
def test_both_parsers_agree(text: str, expected: str | None, monkeypatch: pytest.MonkeyPatch) -> None:
    fast = shape_problem(text)
    monkeypatch.setattr(yaml_bounds, "_CLoader", None)
    slow = shape_problem(text)
    assert fast == slow
    if expected is None:
        assert fast is None
    else:
        assert isinstance(fast, YamlShapeProblem) and expected in fast.message and fast.line >= 1


def test_what_libyaml_refuses_is_still_checked_by_ruamel(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: Any, **__: Any) -> Any:
        raise yaml.YAMLError("not libyaml's grammar")

    monkeypatch.setattr(yaml, "parse", refuse)
    problem = shape_problem(BOMB)
    assert problem is not None and "aliases expand it" in problem.message


def test_the_fast_path_is_libyaml_when_installed() -> None:
    assert yaml_bounds._CLoader is getattr(yaml, "CSafeLoader", None)
