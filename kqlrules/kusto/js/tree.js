// Export the analyzer's typed syntax tree as compact JSON for the local engine.
//
// Node:  {"k": SyntaxKind name, "s": start offset, "e": end offset, "f": field name in the parent,
//         "ty": result type name (expressions), "cols": [[name, type]] (tabular results),
//         "sym": [name, SymbolKind name] (referenced symbol), "tok": token text, "c": [children]}
// Missing optional children are left out; "f" says which slot each child fills.
"use strict";

function exportTree(code, K) {
  const SyntaxKind = K.Syntax.SyntaxKind;
  const SymbolKind = K.Symbols.SymbolKind;
  const kindNames = new Map();
  const kindName = (kind) => {
    let name = kindNames.get(kind);
    if (name === undefined) {
      name = System.Enum.toString(SyntaxKind, kind);
      kindNames.set(kind, name);
    }
    return name;
  };

  function typeInfo(out, type) {
    if (!type) return;
    if (type.Columns && type.Columns.Count !== undefined) {
      out.ty = type.Name || "table";
      const cols = [];
      for (let i = 0; i < type.Columns.Count; i++) {
        const column = type.Columns.getItem(i);
        cols.push([column.Name, column.Type ? column.Type.Name : "unknown"]);
      }
      out.cols = cols;
    } else {
      out.ty = type.Name;
    }
  }

  function visit(element, field) {
    const out = { k: kindName(element.Kind), s: element.TextStart, e: element.End };
    if (field) out.f = field;
    if (element.IsToken) {
      out.tok = element.Text;
      return out;
    }
    if (element.IsExpression !== false && element.ResultType !== undefined) {
      try {
        typeInfo(out, element.ResultType);
      } catch (error) {
        // Some nodes have no type to give; the engine works without one.
      }
    }
    const symbol = element.ReferencedSymbol;
    if (symbol) out.sym = [symbol.Name, System.Enum.toString(SymbolKind, symbol.Kind)];
    const children = [];
    for (let i = 0; i < element.ChildCount; i++) {
      const child = element.GetChild(i);
      if (!child) continue;
      let name = null;
      try {
        name = element.GetName(i);
      } catch (error) {
        name = null;
      }
      children.push(visit(child, name));
    }
    if (children.length) out.c = children;
    return out;
  }

  return visit(code.Syntax, null);
}

module.exports = { exportTree };
