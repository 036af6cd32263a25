"""Where Microsoft's analyzer spends its CPU on the 1,055 corpus queries, and whether a smaller schema
makes it faster: parse, analysis with every table / only the tables a query names / none, tree export.

    KQLRULES_SHARED=../shared python benchmarks/analyzer_phases.py [--limit N]

CPU time of one Node thread, per query (benchmarks/analyzer_phases.js measures; this writes its input).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kqlrules.kusto import SchemaSet
from kqlrules.kusto.install import ensure_installed, find_node
from kqlrules.lint import file_unit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="the first N queries only")
    options = parser.parse_args()
    configured = os.environ.get("KQLRULES_SHARED")
    shared = Path(configured) if configured else Path(__file__).resolve().parents[2] / "shared"
    root = shared / "corpus" / "sentinel-rules"
    if not (root / "INDEX.tsv").is_file():
        sys.exit(f"reference data not found in {shared}: set KQLRULES_SHARED")
    with (root / "INDEX.tsv").open(encoding="utf-8") as handle:
        paths = [root / row["path"] for row in csv.DictReader(handle, delimiter="\t")]
    schemas = SchemaSet.load(shared / "schemas" / "tables", shared / "schemas" / "functions")
    texts = [unit.text for unit in map(file_unit, paths) if unit.text is not None][: options.limit]
    with tempfile.TemporaryDirectory() as folder:
        schema_file = Path(folder) / "schema.json"
        schema_file.write_text(json.dumps(schemas.to_bridge()), encoding="utf-8")
        queries_file = Path(folder) / "queries.jsonl"
        queries_file.write_text("".join(json.dumps(text) + "\n" for text in texts), encoding="utf-8")
        script = Path(__file__).with_name("analyzer_phases.js")
        command = [find_node(), "--stack-size=16000", "--max-semi-space-size=64", str(script)]
        subprocess.run([*command, str(ensure_installed()), str(schema_file), str(queries_file)], check=True)
    print(f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
