"""Lint reports: text for people (grouped by file, a caret under each span), JSON, and SARIF 2.1.0."""

from kqlrules.lint.report.json import render_json
from kqlrules.lint.report.sarif import SARIF_SCHEMA, render_sarif
from kqlrules.lint.report.text import render_text

__all__ = ["SARIF_SCHEMA", "render_json", "render_sarif", "render_text"]
