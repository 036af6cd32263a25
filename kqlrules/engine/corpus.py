"""Execute a folder of Sentinel rule files: the engine's coverage measure, on empty tables and on data.

Each rule's `query:` runs against tables built from kqlrules' bundled schemas (`corpus_schemas`), so what
is measured is whether the engine translates and DuckDB runs the whole query, not what it returns. On empty
tables a refusal that only a row triggers never fires; `data=True` runs the rules over tables holding rows
(`corpus_data`) to count those too. The sources `externaldata` reads from a URL are empty (of the columns
the rule declares).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from kqlrules.engine.errors import KqlEngineError, KqlSemanticError, UnsupportedKql
from kqlrules.engine.external import ExternalData
from kqlrules.errors import KqlrulesError
from kqlrules.kusto import SchemaSet
from kqlrules.table import Table


@dataclass(frozen=True)
class CorpusResult:
    path: str
    ok: bool
    kind: str = (
        ""  # unsupported | syntax | analyzer (semantic, reported by it) | semantic | runtime | internal
    )
    construct: str = ""
    message: str = ""


def rule_queries(folder: Path) -> Iterator[tuple[str, str]]:
    from ruamel.yaml import YAML

    yaml = YAML(typ="safe")
    for path in sorted(folder.rglob("*yaml")):  # one published rule is named "... .  yaml"
        text = path.read_text(encoding="utf-8-sig")
        try:
            data = yaml.load(text)
        except Exception:  # some published files are not valid YAML: take their query block as written
            data = {"query": _query_block(text)}
        if isinstance(data, dict) and isinstance(data.get("query"), str) and data["query"].strip():
            yield str(path.relative_to(folder)), data["query"]


def _query_block(text: str) -> str:
    match = re.search(r"^query:\s*\|[-+]?\s*\n((?:[ \t]+.*\n|\s*\n)+)", text, re.MULTILINE)
    if not match:
        return ""
    lines = match.group(1).splitlines()
    indent = min((len(line) - len(line.lstrip()) for line in lines if line.strip()), default=0)
    return "\n".join(line[indent:] for line in lines)


def run_one(engine: object, path: str, query: str, now: datetime | None = None) -> CorpusResult:
    from kqlrules.engine.engine import LocalEngine

    assert isinstance(engine, LocalEngine)
    try:
        engine.query(query, now=now)
    except UnsupportedKql as error:
        return CorpusResult(path, False, "unsupported", error.construct, str(error))
    except KqlSemanticError as error:
        kind = "analyzer" if error.code else "semantic"
        return CorpusResult(path, False, kind, _construct(error.message), str(error))
    except KqlEngineError as error:
        return CorpusResult(path, False, error.kind, _construct(error.message), str(error))
    except KqlrulesError as error:
        return CorpusResult(path, False, "internal", _construct(error.message), str(error))
    except Exception as error:  # the tally must see every failure, engine bugs too
        return CorpusResult(path, False, "internal", type(error).__name__, f"{type(error).__name__}: {error}")
    return CorpusResult(path, True)


def _construct(message: str) -> str:
    text = re.sub(r"'[^']*'|\"[^\"]*\"", "…", message)
    text = re.sub(r"\d+", "N", text)
    return text[:90]


def corpus_schemas() -> SchemaSet:
    """The schemas the rules run against: the set kqlrules ships (what `kqlrules lint` binds to), which
    restates Microsoft Sentinel CI's tables and functions, completed and corrected from the Log Analytics
    table reference and the solutions' parsers (kqlrules.kusto.build_builtin names each source). Kusto
    refuses a table it does not know too, so a rule over a table no schema has cannot count as executed."""
    return SchemaSet.builtin()


def _run_chunk(args: tuple[str, list[tuple[str, str]], str]) -> list[tuple[CorpusResult, ...]]:
    """Each rule's result on empty tables, on tables holding rows, or both (`mode`); in "both" the second
    engine reuses the first one's translations (the schemas are the same)."""
    from kqlrules.engine.corpus_data import tables_with_rows
    from kqlrules.engine.engine import LocalEngine
    from kqlrules.kusto import Analyzer

    shared, items, mode = args
    schemas = corpus_schemas()
    with Analyzer() as analyzer:

        def engine(tables: dict[str, Table] | None) -> LocalEngine:
            return LocalEngine(
                tables,
                schemas=schemas,
                analyzer=analyzer,
                type_column=True,
                externaldata=ExternalData(unmapped="empty"),
            )

        runs: list[tuple[LocalEngine, datetime | None]] = []
        if mode in ("empty", "both"):
            runs.append((engine(None), None))
        if mode in ("data", "both"):
            everything = [query for _, query in rule_queries(Path(shared) / "corpus" / "sentinel-rules")]
            tables, now = tables_with_rows(schemas, everything)
            runs.append((engine(tables), now))
        return [tuple(run_one(e, path, query, now) for e, now in runs) for path, query in items]


def _run(shared: Path, jobs: int, limit: int | None, mode: str) -> list[tuple[CorpusResult, ...]]:
    items = list(rule_queries(shared / "corpus" / "sentinel-rules"))[:limit]
    if jobs <= 1:
        return _run_chunk((str(shared), items, mode))
    chunks = [items[i::jobs] for i in range(jobs)]
    with ProcessPoolExecutor(jobs) as pool:
        parts = list(pool.map(_run_chunk, [(str(shared), c, mode) for c in chunks]))
    return sorted((r for part in parts for r in part), key=lambda r: r[0].path)


def acceptable(result: CorpusResult) -> bool:
    """Executed, or refused with the semantic error the analyzer reports for it (the bar allows these)."""
    return result.ok or result.kind == "analyzer"


def run_corpus(
    shared: Path, *, jobs: int = 1, limit: int | None = None, data: bool = False
) -> list[CorpusResult]:
    """Run every rule; on empty tables, or with `data` on tables holding rows."""
    return [r[0] for r in _run(shared, jobs, limit, "data" if data else "empty")]


def run_corpus_both(
    shared: Path, *, jobs: int = 1, limit: int | None = None
) -> tuple[list[CorpusResult], list[CorpusResult]]:
    """Every rule on empty tables and on tables holding rows, in one pass: (on empty, on data)."""
    pairs = _run(shared, jobs, limit, "both")
    return [p[0] for p in pairs], [p[1] for p in pairs]
