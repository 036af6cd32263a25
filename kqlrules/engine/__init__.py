"""kqlrules.engine: run KQL locally over DuckDB, translated through Microsoft's Kusto analyzer."""

from kqlrules.engine.batch import batch_answers
from kqlrules.engine.empty_result import EmptyResults
from kqlrules.engine.engine import CACHE, LocalEngine
from kqlrules.engine.errors import (
    KqlEngineError,
    KqlRuntimeError,
    KqlSemanticError,
    KqlSyntaxError,
    UnsupportedKql,
)
from kqlrules.engine.external import EMPTY, ExternalData
from kqlrules.engine.ingestion import IngestionWindow
from kqlrules.engine.planner import Plan
from kqlrules.engine.staging import SchemaFromData

__all__ = [
    "CACHE",
    "EMPTY",
    "EmptyResults",
    "ExternalData",
    "IngestionWindow",
    "KqlEngineError",
    "KqlRuntimeError",
    "KqlSemanticError",
    "KqlSyntaxError",
    "LocalEngine",
    "Plan",
    "SchemaFromData",
    "UnsupportedKql",
    "batch_answers",
]
