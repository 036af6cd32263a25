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
from kqlrules.kusto.builtin_schemas import build_builtin
from kqlrules.kusto.cache import AnalysisCache
from kqlrules.kusto.existing_columns import bind_existing_columns
from kqlrules.kusto.fuzzy_union import NoLegExists, fuzzy_leg_tables, without_absent_legs
from kqlrules.kusto.install import AnalyzerMissing, ensure_installed, install
from kqlrules.kusto.overrides import contradicts_reference
from kqlrules.kusto.schema_import import import_folders, write_schemas
from kqlrules.kusto.schemas import (
    REPO_SCHEMA_FOLDER,
    FunctionSchema,
    Parameter,
    SchemaError,
    SchemaSet,
    TableSchema,
    kusto_type,
    resolve_schemas,
    with_watchlists,
)
from kqlrules.kusto.tree import Expansion, Node, downstream_operators, named_parameters, pipe_input
from kqlrules.kusto.workspace_schema import (
    SchemaDrift,
    WorkspaceRef,
    default_credential,
    diff_schemas,
    fetch_tables,
)

__all__ = [
    "REPO_SCHEMA_FOLDER",
    "Analysis",
    "AnalysisCache",
    "Analyzer",
    "AnalyzerError",
    "AnalyzerMissing",
    "AnalyzerTimeout",
    "Diagnostic",
    "Expansion",
    "FunctionSchema",
    "LineIndex",
    "NoLegExists",
    "Node",
    "Parameter",
    "SchemaDrift",
    "SchemaError",
    "SchemaSet",
    "TableSchema",
    "TreeTooDeep",
    "WorkspaceRef",
    "bind_existing_columns",
    "build_builtin",
    "contradicts_reference",
    "default_credential",
    "diff_schemas",
    "downstream_operators",
    "ensure_installed",
    "fetch_tables",
    "fuzzy_leg_tables",
    "import_folders",
    "install",
    "kusto_type",
    "named_parameters",
    "pipe_input",
    "resolve_schemas",
    "shared_analyzer",
    "with_watchlists",
    "without_absent_legs",
    "write_schemas",
]
