"""One deploy plan for a repository and an environment, as `deploy plan`, `apply` and `drift` make it: every
contract checked before any call, then the live rules listed and compared, watchlists included."""

from __future__ import annotations

from kqlrules.deploy.arm import RuleStore, open_stores
from kqlrules.deploy.contracts.repository_check import facts_for
from kqlrules.deploy.deployable import deployables
from kqlrules.deploy.environment import Environment, arm_credential, require_explicit_repository
from kqlrules.deploy.plan import Plan, build_plan, preflight
from kqlrules.deploy.watchlists import add_watchlists
from kqlrules.rules import Repository, find_detection


def plan_deployment(
    repository: Repository, environment: Environment, *, prune: bool, only: list[str] | None = None
) -> tuple[Plan, dict[str, RuleStore]]:
    """The plan for `repository` in `environment` (limited to the detections `only` names), and the stores
    it read, which `apply_plan` writes through."""
    items = deployables(repository)
    if prune:  # before any Azure call: without an identity the user chose, nothing may be deleted
        require_explicit_repository(environment)
    preflight(items, environment, facts_for(repository.root))
    credential = arm_credential(environment)
    stores = open_stores(environment, credential)
    live = {name: store.list() for name, store in stores.items()}
    plan = build_plan(items, environment, live, prune=prune)
    add_watchlists(plan, stores, environment, repository.root, credential, prune=prune)
    return (plan.only(ids_named(repository, only)) if only else plan), stores


def ids_named(repository: Repository, names: list[str]) -> set[str]:
    """The lower-case detection ids `--only` names: a detection's or incident rule's name, area/name, id or
    file."""
    ids = set()
    for name in names:
        rules = [r for r in repository.incident_rules if name in (r.name, r.key, r.meta.id)]
        ids.add((rules[0].meta.id if rules else find_detection(repository, name).meta.id).lower())
    return ids
