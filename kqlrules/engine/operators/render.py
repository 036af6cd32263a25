"""render: it tells the client how to draw the result (a chart); the result itself is the input table,
unchanged (learn.microsoft.com/kusto/query/render-operator: render doesn't modify data, and must be the last
operator of the query: one followed by another operator is refused, the analyzer does not report it)."""

from __future__ import annotations

import re

from kqlrules.engine.operators.common import need_input
from kqlrules.engine.operators.registry import operator
from kqlrules.engine.relation import Relation
from kqlrules.engine.translator import Translator
from kqlrules.kusto import Node

_COMMENT = re.compile(r"//[^\n]*")


@operator("RenderOperator")
def render(t: Translator, node: Node, source: Relation | None) -> Relation:
    if t.position.fixed is None and _COMMENT.sub("", t.text[node.end :]).lstrip().startswith("|"):
        raise t.position.unsupported("render followed by another operator (it must be the last)", node)
    return need_input(t, node, source)
