"""Analyses kept on disk between runs: the analyzer's answer depends only on the query text, the schemas,
the analyzer's version and our bridge code, so an unchanged query is never analyzed twice.

Keyed by a SHA-256 of all four; each entry is the analyzer's JSON answer, zlib-compressed. Safe to delete
at any time (`rm -rf ~/.cache/kqlrules/analyses`).
"""

from __future__ import annotations

import hashlib
import os
import zlib
from functools import cache
from pathlib import Path

from kqlrules.kusto.install import ANALYZER_VERSION, JS_DIR


def default_cache_dir() -> Path:
    configured = os.environ.get("KQLRULES_CACHE_DIR")
    base = Path(configured).expanduser() if configured else Path.home() / ".cache" / "kqlrules"
    return base / "analyses"


@cache
def _code_version() -> str:
    digest = hashlib.sha256(ANALYZER_VERSION.encode())
    for name in ("server.js", "tree.js"):
        digest.update((JS_DIR / name).read_bytes())
    return digest.hexdigest()


class AnalysisCache:
    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder if folder is not None else default_cache_dir()
        self.hits = 0

    def key(self, text: str, fingerprint: str, tree: bool, expansions: bool = True) -> str:
        # A tree without the user functions' expanded bodies is another answer (the engine needs them).
        shape = f"{int(tree)}" if expansions else f"{int(tree)}-"
        payload = f"{_code_version()}\0{fingerprint}\0{shape}\0{text}".encode("utf-8", "surrogatepass")
        return hashlib.sha256(payload).hexdigest()

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / key

    def get(self, key: str) -> str | None:
        try:
            line = zlib.decompress(self._path(key).read_bytes()).decode("utf-8")
        except (OSError, zlib.error, UnicodeDecodeError):
            return None
        self.hits += 1
        return line

    def put(self, key: str, line: str) -> None:
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_name(f"{key}.{os.getpid()}.tmp")
            partial.write_bytes(zlib.compress(line.encode("utf-8"), 1))
            partial.replace(path)  # atomic: a concurrent reader sees all of an entry or none
        except OSError:
            pass  # a cache that cannot be written is only slower
