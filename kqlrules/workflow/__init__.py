"""kqlrules.workflow: what a team does around its detections: import and export, coverage, versions."""

from kqlrules.workflow.data_coverage import DetectionTables, rows_per_table, tables_read

__all__ = ["DetectionTables", "rows_per_table", "tables_read"]
