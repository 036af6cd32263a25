"""The contracts over a whole repository, for `kqlrules validate`: each violation at its file:line:col."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

from kqlrules.deploy.contracts import check_detection, check_repository, deploys_to
from kqlrules.deploy.contracts.monitor import environment_violations as monitor_environment
from kqlrules.deploy.contracts.query import query_facts
from kqlrules.deploy.contracts.violation import QueryFacts
from kqlrules.deploy.deployable import Deployable, deployable
from kqlrules.deploy.environment import TARGETS, configured_repository, environment_from_config
from kqlrules.errors import KqlrulesError, Location, ValidationError
from kqlrules.kusto import resolve_schemas
from kqlrules.rules import LoadedDetection, LoadedIncidentRule, Repository, shown


class ContractError(ValidationError):
    """A detection breaks what a deploy target accepts."""


def facts_for(root: Path) -> Callable[[Deployable], QueryFacts]:
    """The analyzer's facts about each query, bound against the repository's schemas (built-in + schemas/)."""
    schemas = resolve_schemas(root)

    @cache
    def facts(query: str) -> QueryFacts:
        return query_facts(query, schemas)

    return lambda item: facts(item.query)


def contract_problems(repository: Repository, *, analyze: bool = True) -> list[KqlrulesError]:
    """Every contract violation of every detection, against each target it may deploy to: the targets of
    the repository's environments (both when none is configured), narrowed by the detection's `targets`."""
    targets, identity = _targets_and_identity(repository)
    problems_here: list[KqlrulesError] = _environment_problems(repository)
    facts_of = facts_for(repository.root) if analyze else None
    problems: list[KqlrulesError] = problems_here
    items: list[Deployable] = []
    loaded_items: list[LoadedDetection | LoadedIncidentRule] = [
        *repository.detections,
        *repository.incident_rules,
    ]
    for loaded in loaded_items:
        try:
            item = deployable(loaded)
        except KqlrulesError:
            continue  # a template that does not render is reported by validate already
        items.append(item)
        facts = facts_of(item) if facts_of is not None and item.query else None
        for target in targets:
            if not deploys_to(item, target, targets):
                continue
            for v in check_detection(item, target, repository=identity, facts=facts):
                problems.append(
                    ContractError(f"{target}: {v.message}", item.location(v.keys), hint=v.hint or None)
                )
    for target in targets:
        wanted = [i for i in items if deploys_to(i, target, targets)]
        problems += [ContractError(f"{target}: {v.message}") for v in check_repository(wanted, target)]
    return problems


def _environment_problems(repository: Repository) -> list[KqlrulesError]:
    """Where each environment's Monitor rules go: a workspace scope and an Azure region."""
    found: list[KqlrulesError] = []
    where = Location.of(shown(repository.config.path)) if repository.config.path else None
    for name in repository.config.environments:
        try:
            environment = environment_from_config(repository.config, name, repository.root)
        except KqlrulesError as error:
            found.append(error)
            continue
        if "monitor" in environment.targets:
            for v in monitor_environment(environment.workspace_id, environment.location):
                found.append(
                    ContractError(f"environment {name}: monitor: {v.message}", where, hint=v.hint or None)
                )
    return found


def _targets_and_identity(repository: Repository) -> tuple[tuple[str, ...], str]:
    targets: list[str] = []
    identities: list[str] = []
    for name in repository.config.environments:
        try:
            environment = environment_from_config(repository.config, name, repository.root)
        except KqlrulesError:
            continue
        targets += [t for t in environment.targets if t not in targets]
        identities.append(environment.repository)
    # The longest marker any environment writes is the one that must fit Sentinel's description limit.
    if not identities:
        identities.append(configured_repository(repository.config, repository.root))
    identity = max(identities, key=len)
    return (tuple(targets) or TARGETS), identity
