"""`kqlrules.rules` imports each public name from its module on first use: every name must resolve, to the
same object its module defines, and an unknown name must fail as an ordinary missing attribute."""

from __future__ import annotations

import importlib

import pytest

import kqlrules.rules as rules


@pytest.mark.parametrize("name", rules.__all__)
def test_every_public_name_resolves_to_its_module_object(name: str) -> None:
    home = rules._HOME[name]
    assert getattr(rules, name) is getattr(importlib.import_module(home), name)


def test_the_lazy_table_and_the_public_names_agree() -> None:
    assert sorted(rules._HOME) == sorted(rules.__all__)


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'not_a_name'"):
        rules.not_a_name  # noqa: B018
    with pytest.raises(ImportError):
        from kqlrules.rules import not_a_name  # noqa: F401
