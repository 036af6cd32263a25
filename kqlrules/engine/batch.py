"""Many queries in one run (`kqlrules query --jsonl`): one JSON line `{"id", "query"}` in, one answer out,
`{"id", "columns", "rows"}` or `{"id", "error": {"kind", "message", "line", "col"}}`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from kqlrules.engine.engine import LocalEngine
from kqlrules.engine.errors import KqlEngineError
from kqlrules.errors import KqlrulesError
from kqlrules.table import table_json


def batch_answers(
    engine: LocalEngine, requests: str, source: Path, now: datetime
) -> Iterator[dict[str, Any]]:
    """The answer to each request line of `requests` (read from `source`), in order, as each is answered; a
    query's error is its answer, a line that is not a request stops the batch with its `source:line`."""
    for number, line in enumerate(requests.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            request = json.loads(line)
            identifier, kql = request["id"], request["query"]
        except (json.JSONDecodeError, KeyError, TypeError):
            raise KqlrulesError(f"{source}:{number}: expected a JSON object with id and query") from None
        answer: dict[str, Any] = {"id": identifier}
        try:
            answer.update(table_json(engine.query(kql, now=now)))
        except KqlEngineError as error:
            answer["error"] = {
                "kind": error.kind,
                "message": error.message,
                "line": error.line,
                "col": error.col,
            }
        except KqlrulesError as error:
            answer["error"] = {"kind": "runtime", "message": error.message, "line": 0, "col": 0}
        yield answer
