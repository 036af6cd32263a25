"""A backtest for people: sparklines for the terminal, and one self-contained HTML page with SVG charts."""

from __future__ import annotations

import html
from datetime import date

from kqlrules.timespan import format_timespan
from kqlrules.workflow.backtest import Backtest, DetectionBacktest

_BLOCKS = "▁▂▃▄▅▆▇█"


def sparkline(values: list[int]) -> str:
    """One block per value, scaled to the largest; zero is always the lowest block, any alert above it."""
    top = max(values, default=0)
    if top <= 0:
        return _BLOCKS[0] * len(values)
    steps = len(_BLOCKS) - 1
    return "".join(_BLOCKS[0] if v <= 0 else _BLOCKS[max(1, round(v / top * steps))] for v in values)


def schedule_text(result: DetectionBacktest) -> str:
    return f"every {format_timespan(result.frequency)} over {format_timespan(result.period)}"


def html_report(backtest: Backtest) -> str:
    """A page that needs nothing else: inline CSS, one inline SVG bar chart per detection, no scripts."""
    days = backtest.days
    sections = "\n".join(_section(result, days) for result in backtest.detections)
    summary_rows = "\n".join(
        "<tr>"
        f"<td><a href='#{_anchor(r)}'>{_e(r.key)}</a></td><td>{_e(r.name)}</td>"
        f"<td>{_e(schedule_text(r))}</td><td class=n>{r.windows}</td><td class=n>{r.windows_fired}</td>"
        f"<td class=n>{r.alert_count}</td><td class=n>{r.suppressed}</td>"
        f"<td>{_e(r.error or '')}</td></tr>"
        for r in backtest.detections
    )
    title = f"kqlrules backtest {backtest.start:%Y-%m-%d %H:%M}Z .. {backtest.end:%Y-%m-%d %H:%M}Z"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{_e(title)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem; color: #1f2328; }}
table {{ border-collapse: collapse; margin: 0.5rem 0 1.5rem; }}
th, td {{ border-bottom: 1px solid #d0d7de; padding: 0.25rem 0.75rem; text-align: left; }}
td.n {{ text-align: right; font-variant-numeric: tabular-nums; }}
.error {{ color: #b42318; }}
svg text {{ font-size: 11px; fill: #57606a; }}
</style>
</head>
<body>
<h1>{_e(title)}</h1>
<p>Each detection's schedule replayed over the interval: {len(days)} day(s),
alerts counted on the day of their window's last instant.</p>
<table>
<tr><th>detection</th><th>name</th><th>schedule</th><th>windows</th><th>fired</th><th>alerts</th>
<th>suppressed</th><th>error</th></tr>
{summary_rows}
</table>
{sections}
</body>
</html>
"""


def _section(result: DetectionBacktest, days: list[date]) -> str:
    entities = "\n".join(
        f"<tr><td>{_e(e.type)}</td><td>{_e(_identifiers(e.identifiers))}</td><td class=n>{e.alerts}</td></tr>"
        for e in result.top_entities()
    )
    error = f"<p class=error>{_e(result.error)}</p>" if result.error else ""
    entity_table = (
        f"<h3>Top entities</h3>\n<table>\n<tr><th>type</th><th>identifiers</th><th>alerts</th></tr>\n"
        f"{entities}\n</table>"
        if entities
        else "<p>No entities in any alert.</p>"
    )
    return f"""<section id="{_anchor(result)}">
<h2>{_e(result.key)}: {_e(result.name)}</h2>
<p>{_e(result.severity)}, {_e(schedule_text(result))}: {result.windows} window(s),
{result.windows_fired} fired, {result.alert_count} alert(s), {result.suppressed} suppressed.</p>
{error}
{bar_chart([result.per_day.get(day, 0) for day in days], days)}
{entity_table}
</section>"""


def bar_chart(values: list[int], days: list[date]) -> str:
    """Alerts per day as SVG bars with the day under each bar and the count above it."""
    height, top_margin, bottom_margin, left = 120, 16, 30, 20
    # Bars narrow as days are added so a quarter still fits a page; labels thin out with them.
    bar = max(4, min(28, 900 // max(len(values), 1) - 8))
    gap = max(2, min(8, bar // 3))
    label_every = max(1, -(-36 // (bar + gap)))
    width = left * 2 + len(values) * (bar + gap)
    top = max(values, default=0) or 1
    full_height = height + top_margin + bottom_margin
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{full_height}"'
        f' role="img" aria-label="alerts per day">'
    ]
    base = top_margin + height
    parts.append(f'<line x1="0" y1="{base}" x2="{width}" y2="{base}" stroke="#d0d7de"/>')
    for index, (value, day) in enumerate(zip(values, days, strict=True)):
        x = left + index * (bar + gap)
        bar_height = round(value / top * height)
        parts.append(
            f'<rect x="{x}" y="{base - bar_height}" width="{bar}" height="{bar_height}" fill="#0969da">'
            f"<title>{day.isoformat()}: {value} alert(s)</title></rect>"
        )
        if value and bar >= 14:
            parts.append(
                f'<text x="{x + bar / 2}" y="{base - bar_height - 4}" text-anchor="middle">{value}</text>'
            )
        if index % label_every == 0:
            parts.append(
                f'<text x="{x + bar / 2}" y="{base + 14}" text-anchor="middle">{day.strftime("%m-%d")}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def _identifiers(identifiers: dict[str, object]) -> str:
    return ", ".join(f"{name}={value}" for name, value in identifiers.items())


def _anchor(result: DetectionBacktest) -> str:
    return "d-" + result.id


def _e(text: str) -> str:
    return html.escape(text, quote=True)
