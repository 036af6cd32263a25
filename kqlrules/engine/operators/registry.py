"""The table of tabular operators: SyntaxKind name -> translator(translator, node, input relation)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kqlrules.engine.relation import Relation
    from kqlrules.engine.translator import Translator
    from kqlrules.kusto import Node

OperatorTranslator = Callable[["Translator", "Node", "Relation | None"], "Relation"]
OPERATORS: dict[str, OperatorTranslator] = {}


def operator(*kinds: str) -> Callable[[OperatorTranslator], OperatorTranslator]:
    def register(translator: OperatorTranslator) -> OperatorTranslator:
        for kind in kinds:
            OPERATORS[kind] = translator
        return translator

    return register


# evaluate's plugins: name -> translator(translator, evaluate node, plugin call, input relation).
PluginTranslator = Callable[["Translator", "Node", "Node", "Relation"], "Relation"]
PLUGINS: dict[str, PluginTranslator] = {}


def plugin(*names: str) -> Callable[[PluginTranslator], PluginTranslator]:
    def register(translator: PluginTranslator) -> PluginTranslator:
        for name in names:
            PLUGINS[name] = translator
        return translator

    return register
