"""The plan: what apply would do to make Azure match the repository, rule by rule and field by field."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from kqlrules.deploy.arm import LiveRule
from kqlrules.deploy.contracts import QueryFacts, check_detection, check_repository, deploys_to
from kqlrules.deploy.contracts.monitor import environment_violations as monitor_environment
from kqlrules.deploy.deployable import Deployable
from kqlrules.deploy.environment import Environment, require_explicit_repository
from kqlrules.deploy.normalise import Json, flatten
from kqlrules.deploy.ownership import Ownership, content_hash, without_hash
from kqlrules.deploy.targets import TARGETS
from kqlrules.errors import KqlrulesError


class Action(StrEnum):
    create = "create"
    update = "update"
    delete = "delete"
    noop = "no-op"
    blocked = "blocked"


@dataclass(frozen=True)
class FieldChange:
    path: str
    before: Any
    after: Any


class Origin(StrEnum):
    """Where an update comes from, told by the content hash recorded with the rule when it was applied."""

    repository = "changed in the repository, not yet applied"
    azure = "edited in Azure"
    both = "changed in the repository and edited in Azure"
    unknown = "differs (no record of what was applied)"


@dataclass(frozen=True)
class Change:
    action: Action
    target: str
    name: str
    title: str
    body: Json | None = None
    etag: str | None = None
    fields: tuple[FieldChange, ...] = ()
    reason: str = ""
    detection_id: str = ""
    origin: Origin | None = None

    def as_json(self) -> Json:
        return {
            "action": self.action.value,
            "target": self.target,
            "name": self.name,
            "title": self.title,
            "fields": [{"path": f.path, "before": f.before, "after": f.after} for f in self.fields],
            **({"reason": self.reason} if self.reason else {}),
            **({"origin": self.origin.name} if self.origin else {}),
        }


@dataclass
class Plan:
    environment: str
    changes: list[Change] = field(default_factory=list)
    # Rules this repository owns whose detection left it; deleted only with --prune (then they are changes).
    orphans: list[Change] = field(default_factory=list)

    def only(self, detection_ids: set[str]) -> Plan:
        """The plan restricted to the rules of these detections (`apply --only`)."""
        keep = [c for c in self.changes if c.detection_id in detection_ids]
        return Plan(self.environment, keep, [c for c in self.orphans if c.detection_id in detection_ids])

    @property
    def pending(self) -> list[Change]:
        return [c for c in self.changes if c.action in (Action.create, Action.update, Action.delete)]

    def count(self, action: Action) -> int:
        return sum(1 for c in self.changes if c.action is action)

    def as_json(self) -> Json:
        return {
            "environment": self.environment,
            "summary": {a.value: self.count(a) for a in Action},
            "changes": [c.as_json() for c in self.changes],
            "orphans": [c.as_json() for c in self.orphans],
        }


class PreflightError(KqlrulesError):
    """Detections break an API limit; nothing was sent."""


def preflight(
    items: Iterable[Deployable],
    environment: Environment,
    facts_of: Callable[[Deployable], QueryFacts] | None = None,
    *,
    export: bool = False,
    check_environment: bool = True,
) -> list[str]:
    """Check every target's contract (kqlrules/deploy/contracts/) before any call; raise all problems at
    once. `facts_of` gives the analyzer's facts about a query (without it, column and syntax rules are
    skipped). Returns the warnings (`export`: Azure-Sentinel repository CI rules the service does not
    enforce), each as `path:line:col: target: message`."""
    items = list(items)
    problems: list[str] = []
    warnings: list[str] = []
    seen: dict[str, str] = {}
    if check_environment and "monitor" in environment.targets:
        for violation in monitor_environment(environment.workspace_id, environment.location):
            problems.append(f"environment {environment.name}: monitor: {violation.message}")
    for item in items:
        if item.id in seen:
            problems.append(f"{item.where}: detection id {item.id} is also used by {seen[item.id]}")
        seen[item.id] = item.where
        facts = facts_of(item) if facts_of is not None and item.query else None
        for target_name in environment.targets:
            if not deploys_to(item, target_name, environment.targets):
                continue
            for v in check_detection(
                item, target_name, repository=environment.repository, facts=facts, export=export
            ):
                text = f"{item.place(v.keys)}: {target_name}: {v.message}" + (
                    f"\n    hint: {v.hint}" if v.hint else ""
                )
                (warnings if v.warning else problems).append(text)
    for target_name in environment.targets:
        wanted = [i for i in items if deploys_to(i, target_name, environment.targets)]
        problems += [f"{target_name}: {v.message}" for v in check_repository(wanted, target_name)]
    if problems:
        raise PreflightError(
            f"{len(problems)} problem(s) found before deploying; nothing was sent:\n  "
            + "\n  ".join(problems)
        )
    return warnings


def diff(before: Json, after: Json) -> tuple[FieldChange, ...]:
    old, new = flatten(before), flatten(after)
    return tuple(
        FieldChange(path, old.get(path), new.get(path))
        for path in sorted(old.keys() | new.keys())
        if old.get(path) != new.get(path)
    )


def build_plan(
    items: Iterable[Deployable],
    environment: Environment,
    live: Mapping[str, list[LiveRule]],
    *,
    prune: bool = False,
) -> Plan:
    """Compare the desired rules with the live ones of each target.

    Rules this repository owns that no detection wants any more are the plan's `orphans`; `prune` makes
    them deletes. Only the rule kqlrules created counts: a live rule with our marks under another name is a
    copy someone made in the portal, and is left alone.
    """
    if prune:
        require_explicit_repository(environment)
    items = list(items)
    plan = Plan(environment.name)
    for target_name in environment.targets:
        target = TARGETS[target_name]
        by_name = {rule.name.lower(): rule for rule in live.get(target_name, []) if _here(rule, environment)}
        wanted = set()
        for item in items:
            if not deploys_to(item, target_name, environment.targets):
                continue
            name = target.resource_name(item, environment)
            wanted.add(name.lower())
            plan.changes.append(_change(item, target_name, name, environment, by_name.get(name.lower())))
        for key, rule in sorted(by_name.items()):
            marks = target.owner(rule.body)
            if key in wanted or marks is None or marks.repository != environment.repository:
                continue
            if key != target.name_for(marks.detection_id, environment).lower():
                continue  # a copy made in the portal: not ours to delete
            title = str((rule.body.get("properties") or {}).get("displayName") or rule.name)
            fields = diff(without_hash(target.normalise(rule.body)), {})
            orphan = Change(
                Action.delete,
                target_name,
                rule.name,
                title,
                etag=rule.etag,
                fields=fields,
                reason="no longer in the repository",
                detection_id=marks.detection_id,
            )
            (plan.changes if prune else plan.orphans).append(orphan)
    return plan


def _here(rule: LiveRule, environment: Environment) -> bool:
    """Whether a live rule belongs to this environment. A Monitor rule lives in a resource group that other
    environments (workspaces) may share: only those that query this environment's workspace are its own,
    so two environments never plan, update or prune each other's rules."""
    if rule.target != "monitor":
        return True
    scopes = (rule.body.get("properties") or {}).get("scopes") or []
    return environment.workspace_id.lower() in {str(s).rstrip("/").lower() for s in scopes}


def desired_body(item: Deployable, target_name: str, environment: Environment) -> tuple[Json, str]:
    """The body apply sends for `item`, its marks carrying the hash of the body itself; and that hash."""
    target = TARGETS[target_name]
    owner = Ownership(item.id, environment.repository)
    recorded = content_hash(target.normalise(target.body(item, environment, owner)))
    marked = Ownership(item.id, environment.repository, recorded)
    return target.body(item, environment, marked), recorded


def _change(
    item: Deployable, target_name: str, name: str, environment: Environment, current: LiveRule | None
) -> Change:
    target = TARGETS[target_name]
    body, wanted_hash = desired_body(item, target_name, environment)
    title = item.detection.name
    if current is None:
        fields = diff({}, without_hash(target.normalise(body)))
        return Change(Action.create, target_name, name, title, body, fields=fields, detection_id=item.id)
    current_owner = target.owner(current.body)
    if current_owner is not None and current_owner.repository != environment.repository:
        reason = f"owned by repository {current_owner.repository!r}, not {environment.repository!r}"
        return Change(Action.blocked, target_name, name, title, reason=reason, detection_id=item.id)
    live = target.normalise(current.body)
    # The hash mark is bookkeeping, not a field anyone changes: compare without it.
    fields = diff(without_hash(live), without_hash(target.normalise(body)))
    if not fields:
        return Change(Action.noop, target_name, name, title, body, current.etag, detection_id=item.id)
    recorded = current_owner.content_hash if current_owner else None
    origin = _origin(recorded, content_hash(live), wanted_hash)
    return Change(
        Action.update,
        target_name,
        name,
        title,
        body,
        current.etag,
        fields,
        detection_id=item.id,
        origin=origin,
    )


def _origin(recorded: str | None, live_hash: str, wanted_hash: str) -> Origin:
    if recorded is None:
        return Origin.unknown
    edited, changed = live_hash != recorded, wanted_hash != recorded
    if edited and changed:
        return Origin.both
    if edited:
        return Origin.azure
    # Neither (the comparison sees a difference the hash does not): say so rather than guess.
    return Origin.repository if changed else Origin.unknown


def drift(plan: Plan) -> Plan:
    """Edits made in Azure, as a plan in reverse: what the live rules changed away from what was applied.

    A rule only changed in the repository is not drift: it is listed as "not yet applied", not counted."""
    reversed_plan = Plan(plan.environment)
    for change in plan.changes:
        if change.action is Action.update and change.origin is Origin.repository:
            reversed_plan.changes.append(
                Change(
                    Action.noop,
                    change.target,
                    change.name,
                    change.title,
                    reason=Origin.repository.value,
                    detection_id=change.detection_id,
                    origin=change.origin,
                )
            )
        elif change.action is Action.update:
            fields = tuple(FieldChange(f.path, f.after, f.before) for f in change.fields)
            reversed_plan.changes.append(
                Change(
                    Action.update,
                    change.target,
                    change.name,
                    change.title,
                    fields=fields,
                    reason=(change.origin or Origin.azure).value,
                    detection_id=change.detection_id,
                    origin=change.origin,
                )
            )
        elif change.action is Action.create:
            reversed_plan.changes.append(
                Change(
                    Action.delete,
                    change.target,
                    change.name,
                    change.title,
                    reason="deleted in Azure",
                    detection_id=change.detection_id,
                )
            )
        elif change.action is Action.noop:
            reversed_plan.changes.append(change)
    return reversed_plan
