"""The bridge to Microsoft's Kusto analyzer (parser, binder, typer) and the schemas it binds against.

```python
schemas = resolve_schemas(repo_root, [Path("extra-schemas")])   # built-in + <repo>/schemas + --schemas
analysis = shared_analyzer().analyze("SigninLogs | take 1", schemas, tree=True)
for outcome in shared_analyzer().analyze_many(texts, schemas, cache=AnalysisCache()): ...
```
"""

from kqlrules.kusto.analysis import Analysis, Diagnostic, LineIndex
from kqlrules.kusto.bridge import (
    Analyzer,
    AnalyzerError,
    AnalyzerTimeout,
    TreeTooDeep,
    shared_analyzer,
)
from kqlrules.kusto.cache import AnalysisCache
from kqlrules.kusto.install import AnalyzerMissing, ensure_installed, install
from kqlrules.kusto.schemas import (
    FunctionSchema,
    SchemaError,
    SchemaSet,
    TableSchema,
    kusto_type,
    resolve_schemas,
)

__all__ = [
    "Analysis",
    "AnalysisCache",
    "Analyzer",
    "AnalyzerError",
    "AnalyzerMissing",
    "AnalyzerTimeout",
    "Diagnostic",
    "FunctionSchema",
    "LineIndex",
    "SchemaError",
    "SchemaSet",
    "TableSchema",
    "TreeTooDeep",
    "ensure_installed",
    "install",
    "kusto_type",
    "resolve_schemas",
    "shared_analyzer",
]
