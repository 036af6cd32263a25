"""Operator parameters (`kind=inner`, `withsource=T`, `hint.strategy=broadcast`...) by name."""

from __future__ import annotations

from kqlrules.engine.names import name_text
from kqlrules.engine.translator import Translator
from kqlrules.kusto import Node


def parameters(t: Translator, node: Node) -> dict[str, tuple[str, Node]]:
    """name (lower-case) -> (value as written, value node)."""
    found: dict[str, tuple[str, Node]] = {}
    for param in node.elements("Parameters"):
        name_node, value = param.get("Name"), param.get("Expression")
        if name_node is None or value is None:
            raise t.position.unsupported(f"the parameter {t.source(param)}", param)
        name = t.source(name_node).strip().lower()
        text = name_text(value) if value.kind == "NameDeclaration" else t.source(value).strip()
        found[name] = (text, value)
    return found


def allow(t: Translator, node: Node, found: dict[str, tuple[str, Node]], *names: str) -> None:
    """Refuse parameters the engine does not understand; `hint.*` never changes results."""
    for name, (_, value) in found.items():
        if name not in names and not name.startswith("hint."):
            raise t.position.unsupported(f"the {name} parameter of {t.source(node).split()[0]}", value)
