// Export the analyzer's typed syntax tree as compact JSON for the local engine.
//
// Node:  {"k": SyntaxKind name, "s": start offset, "e": end offset, "f": field name in the parent,
//         "ty": result type name (expressions), "cols": the index of its columns in the root's "cs" (tabular
//         results; kqlrules.kusto.bridge puts the [[name, type]] list itself in its place when it reads it),
//         "sym": [name, SymbolKind name] (referenced symbol), "tok": token text, "c": [children],
//         "v": a literal's value (timespan: ticks as a string; datetime: ISO 8601 UTC; others as JSON),
//         "x": a call of a user function (or a bare reference to one): {"params": [[name, default expression node or null]],
//              "body": the function body expanded for this call (its parameters are Variables),
//              "text": the text the body's offsets refer to}}
// Missing optional children are left out; "f" says which slot each child fills. The root alone has
// "cs": every distinct column list of the answer, [[[name, type]]].
"use strict";

const LITERALS = new Set([
  "StringLiteralExpression",
  "LongLiteralExpression",
  "IntLiteralExpression",
  "RealLiteralExpression",
  "DecimalLiteralExpression",
  "BooleanLiteralExpression",
  "DateTimeLiteralExpression",
  "TimespanLiteralExpression",
  "GuidLiteralExpression",
  "DynamicExpression",
  "CompoundStringLiteralExpression",
]);

// `expansions: false` leaves "x" out: lint's rules read the query's own nodes only, and the expansions
// of the user functions a query calls were 29% of the corpus' nodes.
function exportTree(code, K, { expansions = true } = {}) {
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

  // Column lists are written once per answer: most tabular nodes repeat their input's columns (a
  // `where` keeps them, a pipe has its operator's), and spelling them out at every node made them 57% of
  // the 84 MB the Sentinel corpus' trees took. Keyed by the type object first (the same table type flows
  // through many nodes), then by content.
  const columnSets = [];
  const setByType = new Map();
  const setByText = new Map();
  function columnSet(type) {
    let index = setByType.get(type);
    if (index !== undefined) return index;
    const cols = [];
    for (let i = 0; i < type.Columns.Count; i++) {
      const column = type.Columns.getItem(i);
      cols.push([column.Name, column.Type ? column.Type.Name : "unknown"]);
    }
    const text = JSON.stringify(cols);
    index = setByText.get(text);
    if (index === undefined) {
      index = columnSets.length;
      columnSets.push(cols);
      setByText.set(text, index);
    }
    setByType.set(type, index);
    return index;
  }

  function typeInfo(out, type) {
    if (!type) return;
    if (type.Columns && type.Columns.Count !== undefined) {
      out.ty = type.Name || "table";
      out.cols = columnSet(type);
    } else {
      out.ty = type.Name;
    }
  }

  function literalValue(kind, element) {
    const value = element.LiteralValue;
    if (value === null || value === undefined) return null;
    if (kind === "TimespanLiteralExpression") return String(value.ticks);
    if (kind === "DateTimeLiteralExpression") {
      const date = value.v !== undefined ? value.v : value;
      return date instanceof Date ? date.toISOString() : String(date);
    }
    if (value && value.$boxed) return value.v;
    if (typeof value === "object" && value.toString) return value.toString();
    return value;
  }

  function expansion(element, depth) {
    let body = null;
    try {
      body = element.GetExpansion();
    } catch (error) {
      return null;
    }
    if (!body) return null;
    const params = [];
    const signature = element.ReferencedSignature;
    if (signature && signature.Parameters) {
      for (let i = 0; i < signature.Parameters.Count; i++) {
        const parameter = signature.Parameters.getItem(i);
        const fallback = parameter.DefaultValue ? visit(parameter.DefaultValue, null, depth + 1) : null;
        params.push([parameter.Name, fallback]);
      }
    }
    let text = null;
    try {
      text = body.Tree ? body.Tree.Text : null;
    } catch (error) {
      text = null;
    }
    return { params, body: visit(body, null, depth + 1), text };
  }

  function visit(element, field, depth) {
    const kind = kindName(element.Kind);
    const out = { k: kind, s: element.TextStart, e: element.End };
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
    if (LITERALS.has(kind)) {
      try {
        out.v = literalValue(kind, element);
      } catch (error) {
        // The engine reads the token text instead.
      }
    }
    const calls =
      kind === "FunctionCallExpression" ||
      (kind === "NameReference" && field !== "Name" && symbol && symbol.Kind === SymbolKind.Function);
    if (expansions && calls && symbol && depth < 40) {
      const expanded = expansion(element, depth);
      if (expanded) out.x = expanded;
    }
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
      children.push(visit(child, name, depth));
    }
    if (children.length) out.c = children;
    return out;
  }

  const root = visit(code.Syntax, null, 0);
  root.cs = columnSets;
  return root;
}

module.exports = { exportTree };
