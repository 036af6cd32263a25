"""kqlrules.workflow: what a team does around its detections: import and export, coverage, versions."""

from kqlrules.workflow.backtest import Backtest, DetectionBacktest, backtest, check_interval
from kqlrules.workflow.backtest_precision import backtest_precision
from kqlrules.workflow.backtest_report import html_report, schedule_text, sparkline
from kqlrules.workflow.connectors import tables_named_in
from kqlrules.workflow.coverage import compute_coverage, markdown_matrix, navigator_layer
from kqlrules.workflow.data_coverage import (
    DataCoverage,
    DetectionTables,
    data_coverage,
    query_tables,
    rows_per_table,
    tables_read,
)
from kqlrules.workflow.importer import import_sentinel, sentinel_files
from kqlrules.workflow.new_detection import new_detection
from kqlrules.workflow.scaffold_repo import scaffold
from kqlrules.workflow.sentinel_ci import ci_problems, duplicate_ids
from kqlrules.workflow.sentinel_export import ExportedRule, SentinelExport, export_sentinel
from kqlrules.workflow.sentinel_format import to_sentinel
from kqlrules.workflow.source_checks import blind_before_deploy, detection_states
from kqlrules.workflow.versions import Part, bump_version, changed, check_versions, write_lock
from kqlrules.workflow.workspace_import import import_workspace
from kqlrules.workflow.yaml_out import dump_yaml

__all__ = [
    "Backtest",
    "DataCoverage",
    "DetectionBacktest",
    "DetectionTables",
    "ExportedRule",
    "Part",
    "SentinelExport",
    "backtest",
    "backtest_precision",
    "blind_before_deploy",
    "bump_version",
    "changed",
    "check_interval",
    "check_versions",
    "ci_problems",
    "compute_coverage",
    "data_coverage",
    "detection_states",
    "dump_yaml",
    "duplicate_ids",
    "export_sentinel",
    "html_report",
    "import_sentinel",
    "import_workspace",
    "markdown_matrix",
    "navigator_layer",
    "new_detection",
    "query_tables",
    "rows_per_table",
    "scaffold",
    "schedule_text",
    "sentinel_files",
    "sparkline",
    "tables_named_in",
    "tables_read",
    "to_sentinel",
    "write_lock",
]
