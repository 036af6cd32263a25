"""Names as written in the query: identifiers, keywords used as names, and `['bracketed names']`."""

from __future__ import annotations

import ast

from kqlrules.kusto import Node


def name_text(node: Node) -> str:
    """The name a `NameDeclaration`, `NameReference`, `TokenName` or `BracketedName` spells."""
    if node.is_token:
        return _unquote(node.token or "")
    symbol = node.symbol
    if symbol and node.kind in ("NameDeclaration", "NameReference") and symbol[1] not in ("Tuple",):
        return symbol[0]
    for child in node.walk():
        if child.is_token and child.kind not in ("OpenBracketToken", "CloseBracketToken"):
            return _unquote(child.token or "")
    return ""


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] in "'\"" and text[-1] == text[0]:
        try:
            return str(ast.literal_eval(text))
        except (ValueError, SyntaxError):
            return text[1:-1]
    if text.startswith("@") and len(text) >= 3:
        return text[2:-1]
    return text
