"""Apply a plan, rule by rule: a rule the service rejects is reported and the others still go ahead."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from kqlrules.deploy.arm import ArmError, RuleStore
from kqlrules.deploy.plan import Action, Change, Plan


@dataclass(frozen=True)
class Outcome:
    change: Change
    error: ArmError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class ApplyReport:
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.ok]


def apply_plan(
    plan: Plan, stores: Mapping[str, RuleStore], progress: Callable[[Outcome], None] = lambda _: None
) -> ApplyReport:
    """Carry out exactly the plan's changes; each is conditional on the etag the plan saw.

    A failure leaves the other rules as they were planned, so running plan/apply again converges.
    """
    report = ApplyReport()
    for change in plan.changes:
        if change.action is Action.blocked:
            outcome = Outcome(change, ArmError(f"{change.target} rule {change.name}: {change.reason}"))
        elif change.action not in (Action.create, Action.update, Action.delete):
            continue
        else:
            outcome = _apply_one(change, stores[change.target])
        report.outcomes.append(outcome)
        progress(outcome)
    return report


def _apply_one(change: Change, store: RuleStore) -> Outcome:
    try:
        if change.action is Action.delete:
            store.delete(change.name, etag=change.etag)
        else:
            assert change.body is not None, "create and update changes carry a body"
            store.put(change.name, change.body, create=change.action is Action.create, etag=change.etag)
    except ArmError as error:
        return Outcome(change, error)
    return Outcome(change)
