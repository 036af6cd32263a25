// Where Microsoft's analyzer spends its CPU on lint's queries, per query, in one Node thread (run by
// benchmarks/analyzer_phases.py, which writes the schemas and queries this reads).
//
//   node analyzer_phases.js <modules folder> <schema.json> <queries.jsonl>
//
// Prints CPU milliseconds a query for: the parse alone; ParseAndAnalyze + GetDiagnostics with every table
// of the schema set, with only the tables the query names (its own GlobalState, cached by that subset) and
// with no tables at all; the typed-tree export + JSON text with and without the user functions' expanded
// bodies. The three analyses run side by side on each query, so load on the machine weighs on each alike.
"use strict";

const fs = require("fs");
const path = require("path");

const [modules, schemaFile, queriesFile] = process.argv.slice(2);
const pkg = path.join(modules, "@kusto", "language-service-next");
require(path.join(pkg, "bridge.min.js"));
require(path.join(pkg, "Kusto.Language.Bridge.min.js"));
const K = Kusto.Language;
const tree = require(path.join(__dirname, "..", "kqlrules", "kusto", "js", "tree.js"));

const schema = JSON.parse(fs.readFileSync(schemaFile, "utf8"));
const texts = fs.readFileSync(queriesFile, "utf8").trim().split("\n").map((line) => JSON.parse(line));
const cpu = () => {
  const used = process.cpuUsage();
  return (used.user + used.system) / 1000;
};

const tables = new Map(
  schema.tables.map((t) => {
    const columns = t.columns.map(([name, type]) => new K.Symbols.ColumnSymbol(name, K.Symbols.ScalarTypes.GetSymbol(type), null, null, null, null));
    return [t.name, new K.Symbols.TableSymbol.$ctor4(t.name, columns)];
  }),
);
const functions = schema.functions.map((f) => new K.Symbols.FunctionSymbol.$ctor16(f.name, f.params, f.body, null));
const globalsOf = (members) => K.GlobalState.Default.WithDatabase(new K.Symbols.DatabaseSymbol.ctor("workspace", [...members, ...functions]));
const full = globalsOf([...tables.values()]);
const none = globalsOf([]);

function diagnostics(code) {
  const all = code.GetDiagnostics();
  const out = [];
  for (let i = 0; i < all.Count; i++) {
    const d = all.getItem(i);
    out.push(`${d.Code}@${d.Start}:${d.Message}`);
  }
  return out.join("\n");
}

function namedTables(code) {
  const names = new Set();
  code.Syntax.WalkElements((element) => {
    const symbol = element.ReferencedSymbol;
    if (!symbol || element.IsToken || element.Kind !== K.Syntax.SyntaxKind.NameReference) return;
    if (symbol.Kind === K.Symbols.SymbolKind.Table) names.add(symbol.Name);
  });
  return [...names].sort();
}

// Warm the JIT on all three schema sets first: the first queries would otherwise pay for it.
for (const text of texts.slice(0, 30)) {
  K.KustoCode.ParseAndAnalyze(text, full).GetDiagnostics();
  K.KustoCode.ParseAndAnalyze(text, none).GetDiagnostics();
}
const subsets = new Map();
const spent = { parse: 0, full: 0, named: 0, build: 0, none: 0, tree: 0, lean: 0 };
const bytes = { tree: 0, lean: 0 };
let differ = 0;
for (const text of texts) {
  let started = cpu();
  K.KustoCode.Parse(text).GetDiagnostics();
  spent.parse += cpu() - started;

  started = cpu();
  const code = K.KustoCode.ParseAndAnalyze(text, full);
  const found = diagnostics(code);
  spent.full += cpu() - started;

  const key = namedTables(code).join(",");
  started = cpu();
  let subset = subsets.get(key);
  if (!subset) {
    subset = globalsOf(key ? key.split(",").map((name) => tables.get(name)) : []);
    subsets.set(key, subset);
  }
  spent.build += cpu() - started;
  started = cpu();
  if (diagnostics(K.KustoCode.ParseAndAnalyze(text, subset)) !== found) differ++;
  spent.named += cpu() - started;

  started = cpu();
  K.KustoCode.ParseAndAnalyze(text, none).GetDiagnostics();
  spent.none += cpu() - started;

  // Each export on an analysis of its own: the first export of an analysis pays for what binding left lazy.
  for (const [name, options] of [["lean", { expansions: false }], ["tree", {}]]) {
    const fresh = K.KustoCode.ParseAndAnalyze(text, full);
    started = cpu();
    bytes[name] += JSON.stringify(tree.exportTree(fresh, K, options)).length;
    spent[name] += cpu() - started;
  }
}
const each = (ms) => (ms / texts.length).toFixed(1);
console.log(`${texts.length} queries, CPU ms a query (one thread):`);
console.log(`  parse alone                                   ${each(spent.parse)}`);
console.log(`  parse + bind + diagnostics, every table       ${each(spent.full)}`);
console.log(`  the same, only the tables the query names     ${each(spent.named)} (+${each(spent.build)} building ${subsets.size} schema subsets; diagnostics differ for ${differ})`);
console.log(`  the same, no tables at all                    ${each(spent.none)}`);
console.log(`  typed tree export + JSON                      ${each(spent.tree)} (${(bytes.tree / 1e6).toFixed(1)} MB)`);
console.log(`  the same without the functions' expansions    ${each(spent.lean)} (${(bytes.lean / 1e6).toFixed(1)} MB)`);
