"""A plan for people: plain text for a terminal, Markdown for a pull-request comment."""

from __future__ import annotations

import difflib
import json
from typing import Any

from kqlrules.deploy.plan import Action, Change, Plan

_SIGN = {Action.create: "+", Action.update: "~", Action.delete: "-", Action.noop: "=", Action.blocked: "!"}
_WIDTH = 100


def value_text(value: Any) -> str:
    if value is None:
        return "(absent)"
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    text = text.replace("\n", "⏎ ")
    return text if len(text) <= _WIDTH else text[: _WIDTH - 1] + "…"


def is_text_block(before: Any, after: Any) -> bool:
    """Multi-line strings (queries) read better as a line diff than as two truncated values."""
    return any(isinstance(v, str) and "\n" in v for v in (before, after))


def line_diff(before: Any, after: Any) -> list[str]:
    old = str(before or "").splitlines()
    new = str(after or "").splitlines()
    return list(difflib.unified_diff(old, new, lineterm="", n=1))[2:]


def orphans_line(plan: Plan) -> str | None:
    """The owned rules that left the repository, when the plan does not delete them (no --prune)."""
    count = len(plan.orphans)
    if not count:
        return None
    rules = "1 owned rule is" if count == 1 else f"{count} owned rules are"
    return f"{rules} no longer in the repository: --prune deletes them"


def summary(plan: Plan, *, drift: bool = False) -> str:
    if drift:
        edited, deleted = plan.count(Action.update), plan.count(Action.delete)
        unapplied = sum(1 for c in plan.changes if c.action is Action.noop and c.reason)
        same = plan.count(Action.noop) - unapplied
        text = f"{edited} rule(s) edited in Azure, {deleted} deleted in Azure, {same} as deployed"
        return text + (f", {unapplied} changed in the repository, not yet applied" if unapplied else "")
    return (
        f"{plan.count(Action.create)} to create, {plan.count(Action.update)} to update, "
        f"{plan.count(Action.delete)} to delete, {plan.count(Action.noop)} unchanged"
        + (f", {plan.count(Action.blocked)} blocked" if plan.count(Action.blocked) else "")
    )


def _label(change: Change, drift: bool) -> str:
    if drift and change.reason:
        return change.reason
    if drift and change.action is Action.noop:
        return "as deployed"
    return change.action.value


def _field_lines(change: Change, drift: bool) -> list[str]:
    lines = []
    if change.action is Action.create:
        # What will be created, field by field (the body as the service will compare it).
        for field in change.fields:
            text = field.after if isinstance(field.after, str) else value_text(field.after)
            if isinstance(text, str) and "\n" in text:
                lines.append(f"    {field.path}:")
                lines += [f"      {line}" for line in text.splitlines()]
            else:
                lines.append(f"    {field.path}: {value_text(field.after)}")
        return lines
    if change.action is not Action.update:
        return lines
    if change.origin is not None and not drift:
        lines.append(f"    ({change.origin.value})")
    before, after = ("repository", "Azure") if drift else ("live", "repository")
    for field in change.fields:
        lines.append(f"    {field.path}:")
        if is_text_block(field.before, field.after):
            lines.append(f"      --- {before}  +++ {after}")
            lines += [f"      {line}" for line in line_diff(field.before, field.after)]
            continue
        lines.append(f"      {before + ':':<12}{value_text(field.before)}")
        lines.append(f"      {after + ':':<12}{value_text(field.after)}")
    return lines


def as_text(plan: Plan, *, drift: bool = False, show_noop: bool = True) -> str:
    title = "Drift" if drift else "Plan"
    lines = [f"{title} for environment {plan.environment}: {summary(plan, drift=drift)}."]
    for change in plan.changes:
        if change.action is Action.noop and not show_noop:
            continue
        sign, label = _SIGN[change.action], _label(change, drift)
        lines.append(f"{sign} {label:<17} {change.target:<9} {change.title} ({change.name})")
        if change.action is Action.blocked:
            lines.append(f"    {change.reason}")
        lines += _field_lines(change, drift)
    if not plan.pending and not any(c.action is Action.blocked for c in plan.changes):
        lines.append("No drift." if drift else "No changes: Azure matches the repository.")
    if orphans := orphans_line(plan):
        lines.append(orphans + ":")
        lines += [f"  - {c.target:<9} {c.title} ({c.name})" for c in plan.orphans]
    return "\n".join(lines)


def _cell(value: Any) -> str:
    text = value_text(value).replace("|", "\\|").replace("`", "ˋ")
    return f"`{text}`"


def as_markdown(plan: Plan, *, drift: bool = False) -> str:
    title = "Drift" if drift else "Deploy plan"
    lines = [f"### kqlrules {title.lower()}: `{plan.environment}`", "", summary(plan, drift=drift), ""]
    if orphans := orphans_line(plan):
        lines += [f"{orphans}: " + ", ".join(f"`{c.title}` ({c.target})" for c in plan.orphans), ""]
    shown = [c for c in plan.changes if c.action is not Action.noop]
    if not shown:
        lines.append("No drift." if drift else "No changes: Azure matches the repository.")
        return "\n".join(lines)
    lines += ["| | Action | Target | Rule | Name |", "|---|---|---|---|---|"]
    for change in shown:
        rule = change.title.replace("|", "\\|")
        sign, label = _SIGN[change.action], _label(change, drift)
        lines.append(f"| {sign} | {label} | {change.target} | {rule} | `{change.name}` |")
    before, after = ("Repository", "Azure") if drift else ("Live", "Repository")
    for change in shown:
        if change.action is Action.blocked:
            lines += ["", f"**{change.title}** ({change.target}) is blocked: {change.reason}"]
        if change.action is not Action.update:
            continue
        lines += [
            "",
            f"<details><summary>{change.title} ({change.target}): {len(change.fields)} field(s)</summary>",
            "",
            f"| Field | {before} | {after} |",
            "|---|---|---|",
        ]
        blocks = [f for f in change.fields if is_text_block(f.before, f.after)]
        lines += [
            f"| `{f.path}` | {_cell(f.before)} | {_cell(f.after)} |" for f in change.fields if f not in blocks
        ]
        for field in blocks:
            lines += ["", f"`{field.path}` (- {before.lower()}, + {after.lower()}):", "", "```diff"]
            lines += line_diff(field.before, field.after)
            lines.append("```")
        lines += ["", "</details>"]
    return "\n".join(lines)
