"""`{{ ago(span) }}` in templates: `ago()` that stays right when a past window is replayed on Azure.

A query that says `where TimeGenerated > ago(1h)` reads the last hour before the service's `now()`, which on
Azure is always the real time: a runner catching up a window of yesterday would see nothing. When the runner
renders for such a window it sets the template variable `query_now` to the window's end, and `ago(1h)` renders
as `(datetime(<window end>) - 1h)`. Without `query_now` (deploy, lint, tests, local workspaces, whose `now()`
is the window's end already) it renders as plain `ago(1h)`, so deployed rules read as written.
"""

from __future__ import annotations

import re
from typing import Any

from jinja2 import pass_context
from jinja2.runtime import Context

from kqlrules.rules.filters import FilterValueError, kql_datetime, kql_timespan
from kqlrules.timespan import TimespanError, parse_timespan

QUERY_NOW = "query_now"
_KQL_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _span_text(span: Any) -> str:
    """A timespan value or text (`1h`) as a KQL literal, or the name of a KQL `let` holding one."""
    if isinstance(span, str):
        try:
            parse_timespan(span)
        except TimespanError:
            if _KQL_NAME.match(span):
                return span
            raise FilterValueError(f"ago: {span!r} is neither a timespan such as 1h nor a KQL name") from None
    return kql_timespan(span)


@pass_context
def ago(context: Context, span: Any) -> str:
    text = _span_text(span)
    anchor = context.get(QUERY_NOW)
    if anchor is None:
        return f"ago({text})"
    return f"({kql_datetime(anchor)} - {text})"


GLOBALS = {"ago": ago}
