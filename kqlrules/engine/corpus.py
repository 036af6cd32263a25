"""Execute a folder of Sentinel rule files on empty tables: the engine's coverage measure.

Each rule's `query:` runs against tables built from schema files (empty), so what is measured is whether the
engine translates and DuckDB runs the whole query, not what it returns. The sources `externaldata` reads
from a URL are empty too (of the columns the rule declares), like every table here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from kqlrules.engine.errors import KqlEngineError, KqlSemanticError, UnsupportedKql
from kqlrules.engine.external import ExternalData
from kqlrules.errors import KqlrulesError
from kqlrules.kusto import SchemaSet


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


def run_one(engine: object, path: str, query: str) -> CorpusResult:
    from kqlrules.engine.engine import LocalEngine

    assert isinstance(engine, LocalEngine)
    try:
        engine.query(query)
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


def _run_chunk(args: tuple[str, list[tuple[str, str]]]) -> list[CorpusResult]:
    from kqlrules.engine.engine import LocalEngine
    from kqlrules.kusto import Analyzer

    shared, items = args
    schemas = SchemaSet.load(Path(shared) / "schemas")
    with Analyzer() as analyzer:
        engine = LocalEngine(
            schemas=schemas, analyzer=analyzer, type_column=True, externaldata=ExternalData(unmapped="empty")
        )
        return [run_one(engine, path, query) for path, query in items]


def acceptable(result: CorpusResult) -> bool:
    """Executed, or refused with the semantic error the analyzer reports for it (the bar allows these)."""
    return result.ok or result.kind == "analyzer"


def run_corpus(shared: Path, *, jobs: int = 1, limit: int | None = None) -> list[CorpusResult]:
    items = list(rule_queries(shared / "corpus" / "sentinel-rules"))[:limit]
    if jobs <= 1:
        return _run_chunk((str(shared), items))
    chunks = [items[i::jobs] for i in range(jobs)]
    with ProcessPoolExecutor(jobs) as pool:
        parts = list(pool.map(_run_chunk, [(str(shared), c) for c in chunks]))
    return sorted((r for part in parts for r in part), key=lambda r: r.path)
