// kqlrules' bridge to Microsoft's Kusto analyzer: one long-lived process, JSON lines on stdin/stdout.
//
// Requests:  {"id": 1, "op": "ping"}
//            {"id": 2, "op": "define", "schema": "<fingerprint>", "database": "ws",
//             "tables": [{"name": "T", "columns": [["a", "string"]]}],
//             "functions": [{"name": "f", "params": "(x:string='')", "body": "{ T }"}]}
//            {"id": 3, "op": "analyze", "schema": "<fingerprint>", "text": "T | take 1", "tree": false}
//            ("expansions": false with "tree": true leaves the user functions' expanded bodies out of it)
//            {"id": 4, "op": "parse", "text": "T | take 1"}   (syntax diagnostics only)
// Responses: {"id": 1, "ok": true, ...} or {"id": 1, "ok": false, "error": "..."}
// A schema is defined once and kept by fingerprint, so a lint run pays for building symbols once.
//
// With KQLRULES_ANALYZER_WORKERS=N (N > 1) the process runs N worker threads, each with its own analyzer:
// `define` goes to every worker (answered once all have it), every other request to the least busy one,
// so answers may come back out of order: match them by id.
"use strict";

const path = require("path");
const readline = require("readline");
const { Worker, isMainThread, parentPort } = require("worker_threads");

const WORKERS = Math.max(1, parseInt(process.env.KQLRULES_ANALYZER_WORKERS || "1", 10) || 1);
const dispatching = isMainThread && WORKERS > 1;

let K = null;
let tree = null;
if (!dispatching) {
  const modules = process.env.KQLRULES_ANALYZER_MODULES;
  const pkg = path.join(modules, "@kusto", "language-service-next");
  require(path.join(pkg, "bridge.min.js"));
  require(path.join(pkg, "Kusto.Language.Bridge.min.js"));
  K = Kusto.Language;
  tree = require("./tree.js");
}

const globalsBySchema = new Map();

// A table's columns are built as symbols, not written as a schema text for the analyzer to parse: parsing
// the ~11,000 columns of the reference schemas took ~1.3 CPU-s in every worker thread, building them ~0.1 s.
// A type the analyzer does not know by name (ScalarTypes.GetSymbol gives null) goes through its schema
// parser as before, which reports it the same way.
// A column named twice (some published schema files repeat one) is kept once, the first, as the parser does.
function tableSymbol(t) {
  const columns = [];
  const seen = new Set();
  for (const [name, type] of t.columns) {
    const scalar = K.Symbols.ScalarTypes.GetSymbol(type);
    if (!scalar) return schemaTextTable(t);
    if (seen.has(name)) continue;
    seen.add(name);
    columns.push(new K.Symbols.ColumnSymbol(name, scalar, null, null, null, null));
  }
  return new K.Symbols.TableSymbol.$ctor4(t.name, columns);
}

function schemaTextTable(t) {
  const columns = t.columns.map(([name, type]) => `['${name.replace(/'/g, "\\'")}']:${type}`).join(", ");
  return new K.Symbols.TableSymbol.$ctor7(t.name, `(${columns})`, null);
}

function define(request) {
  const tables = (request.tables || []).map(tableSymbol);
  const functions = (request.functions || []).map(
    (f) => new K.Symbols.FunctionSymbol.$ctor16(f.name, f.params, f.body, null),
  );
  const db = new K.Symbols.DatabaseSymbol.ctor(request.database || "workspace", [...tables, ...functions]);
  globalsBySchema.set(request.schema, K.GlobalState.Default.WithDatabase(db));
  return { tables: tables.length, functions: functions.length };
}

function columnsOf(type) {
  if (!type || !type.Columns) return null;
  const out = [];
  for (let i = 0; i < type.Columns.Count; i++) {
    const column = type.Columns.getItem(i);
    out.push([column.Name, column.Type ? column.Type.Name : "unknown"]);
  }
  return out;
}

function referenced(code) {
  const tables = new Set();
  const functions = new Set();
  code.Syntax.WalkElements((element) => {
    const symbol = element.ReferencedSymbol;
    if (!symbol || element.IsToken || element.Kind !== K.Syntax.SyntaxKind.NameReference) return;
    const kind = System.Enum.toString(K.Symbols.SymbolKind, symbol.Kind);
    if (kind === "Table") tables.add(symbol.Name);
    if (kind === "Function") functions.add(symbol.Name);
  });
  return { tables: [...tables], functions: [...functions] };
}

function analyze(request) {
  const globals = globalsBySchema.get(request.schema);
  if (!globals) throw new Error(`unknown schema ${request.schema}: define it first`);
  const code = K.KustoCode.ParseAndAnalyze(request.text, globals);
  const diagnostics = [];
  const all = code.GetDiagnostics();
  for (let i = 0; i < all.Count; i++) {
    const d = all.getItem(i);
    diagnostics.push({
      severity: d.Severity,
      code: d.Code,
      category: d.Category,
      message: d.Message,
      start: d.Start,
      length: d.Length,
    });
  }
  const result = {
    diagnostics,
    result_columns: columnsOf(code.ResultType),
    result_type: code.ResultType ? code.ResultType.Name : null,
    ...referenced(code),
  };
  if (request.tree) result.tree = tree.exportTree(code, K, { expansions: request.expansions !== false });
  return result;
}

// Syntax only: the parser's diagnostics, without binding (fast; no schema needed).
function parse(request) {
  const code = K.KustoCode.Parse(request.text);
  const diagnostics = [];
  const all = code.GetDiagnostics();
  for (let i = 0; i < all.Count; i++) {
    const d = all.getItem(i);
    diagnostics.push({ severity: d.Severity, code: d.Code, category: d.Category, message: d.Message, start: d.Start, length: d.Length });
  }
  return { diagnostics };
}

const handlers = {
  ping: () => ({ version: "12.4.1" }),
  define,
  analyze,
  parse,
};

function answer(line) {
  let request;
  try {
    request = JSON.parse(line);
  } catch (error) {
    return JSON.stringify({ id: null, ok: false, error: `bad request: ${error.message}` });
  }
  let response;
  try {
    const handler = handlers[request.op];
    if (!handler) throw new Error(`unknown op ${request.op}`);
    response = { id: request.id, ok: true, ...handler(request) };
  } catch (error) {
    const message = (error && (error.message || error.Message)) || String(error);
    response = { id: request.id, ok: false, error: message };
  }
  return JSON.stringify(response);
}

function write(text) {
  process.stdout.write(text + "\n");
}

if (!isMainThread) {
  parentPort.on("message", (line) => parentPort.postMessage(answer(line)));
} else if (!dispatching) {
  const input = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  input.on("line", (line) => write(answer(line)));
  input.on("close", () => process.exit(0));
} else {
  const workers = [];
  const load = [];
  const definitions = new Map(); // define id -> {left, failure}
  for (let i = 0; i < WORKERS; i++) {
    const worker = new Worker(__filename);
    worker.on("message", (text) => {
      load[i]--;
      const idMatch = /^\{"id":(\d+)/.exec(text);
      const pending = idMatch ? definitions.get(Number(idMatch[1])) : undefined;
      if (pending === undefined) return write(text);
      if (!text.includes('"ok":true')) pending.failure = text;
      if (--pending.left === 0) {
        definitions.delete(Number(idMatch[1]));
        write(pending.failure || text);
      }
    });
    worker.on("error", () => process.exit(70));
    workers.push(worker);
    load.push(0);
  }
  const input = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  input.on("line", (line) => {
    let request;
    try {
      request = JSON.parse(line);
    } catch (error) {
      return write(JSON.stringify({ id: null, ok: false, error: `bad request: ${error.message}` }));
    }
    if (request.op === "define") {
      definitions.set(request.id, { left: workers.length, failure: null });
      workers.forEach((worker, i) => {
        load[i]++;
        worker.postMessage(line);
      });
      return;
    }
    let best = 0;
    for (let i = 1; i < workers.length; i++) if (load[i] < load[best]) best = i;
    load[best]++;
    workers[best].postMessage(line);
  });
  input.on("close", () => process.exit(0));
}
