"""kqlrules.lint: check detections, plain `.kql` files and Sentinel rule YAML with Microsoft's analyzer
and kqlrules' own rules; report as text, JSON or SARIF.

```python
units = discover([Path("queries")])
run = lint_units(units, shared_analyzer(), resolve_schemas(Path(".")))
print(render_text(run))
```
"""

from kqlrules.lint.findings import Finding, Severity, counts
from kqlrules.lint.report import render_json, render_sarif, render_text
from kqlrules.lint.rules import INVALID_INPUT, RULES, Rule
from kqlrules.lint.runner import LintRun, lint_unit, lint_units
from kqlrules.lint.sentinel import read_sentinel_rule
from kqlrules.lint.sources import discover, file_unit
from kqlrules.lint.unit import ColumnUse, LintUnit, block_origin, identity_origin

__all__ = [
    "INVALID_INPUT",
    "RULES",
    "ColumnUse",
    "Finding",
    "LintRun",
    "LintUnit",
    "Rule",
    "Severity",
    "block_origin",
    "counts",
    "discover",
    "file_unit",
    "identity_origin",
    "lint_unit",
    "lint_units",
    "read_sentinel_rule",
    "render_json",
    "render_sarif",
    "render_text",
]
