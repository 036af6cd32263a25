"""From the detections' needs to the diagnostic settings, continuous export and retention an environment
should have.

The wanted state: one setting named `setting_name` at each scope a needed category lives at (the Entra ID
tenant, the Intune tenant, the subscription, each declared resource), exporting every category the
detections need there to the environment's workspace (and the optional storage account / event hub); one
Defender for Cloud automation named `setting_name`, in the workspace's resource group, exporting the event
sources the detections need (Alerts for SecurityAlert) for the whole subscription to the workspace; every
table a detection reads kept `retention_days` in total. kqlrules changes only settings and automations with
its own name: one someone else made is read (what it exports counts as collected) and never edited.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from kqlrules.deploy import Environment
from kqlrules.sources.catalogue import Feed, Source, feed_for
from kqlrules.sources.declared import SourcesConfig, SourcesConfigError
from kqlrules.sources.live import INTUNE_SCOPE, Export, LiveSources, Setting, TableRetention


class Action(StrEnum):
    create = "create"
    update = "update"
    noop = "no change"


@dataclass(frozen=True)
class SettingChange:
    action: Action
    wanted: Setting
    current: Setting | None
    added: frozenset[str] = frozenset()  # categories the setting gains


@dataclass(frozen=True)
class RetentionChange:
    action: Action
    wanted: TableRetention
    current: TableRetention | None


@dataclass(frozen=True)
class ExportChange:
    action: Action
    wanted: Export
    current: Export | None
    added: frozenset[str] = frozenset()  # event sources the automation gains


Change = SettingChange | ExportChange | RetentionChange


@dataclass
class SourcesPlan:
    settings: list[SettingChange] = field(default_factory=list)
    retention: list[RetentionChange] = field(default_factory=list)
    unmanaged: list[Feed] = field(default_factory=list)  # needed feeds kqlrules can only check
    exports: list[ExportChange] = field(default_factory=list)
    # Resource-log feeds a detection needs while no resource of their type is declared in `resources`:
    # kqlrules cannot guess which vault or account to collect from.
    undeclared: list[Feed] = field(default_factory=list)

    @property
    def changes(self) -> list[Change]:
        every: list[Change] = [*self.settings, *self.exports, *self.retention]
        return [change for change in every if change.action is not Action.noop]


def subscription_scope(environment: Environment) -> str:
    return f"/subscriptions/{environment.subscription}"


def resource_type(resource_id: str) -> str:
    """`microsoft.keyvault/vaults` of `/subscriptions/../providers/Microsoft.KeyVault/vaults/kv1` (nested
    types such as `storageAccounts/x/blobServices/default` included)."""
    provider = resource_id.lower().split("/providers/")[-1].split("/")
    return "/".join([provider[0], *provider[1::2]])


def needed_feeds(tables: Iterable[str]) -> list[Feed]:
    feeds = {feed.table: feed for feed in (feed_for(table) for table in tables) if feed is not None}
    return [feeds[name] for name in sorted(feeds)]


def wanted_categories(
    feeds: Sequence[Feed], config: SourcesConfig, environment: Environment
) -> dict[str, set[str]]:
    """Scope ("" for Entra ID) -> the categories to export there."""
    wanted: dict[str, set[str]] = {}
    entra = {f.category for f in feeds if f.source is Source.entra} | set(config.entra_categories)
    if entra:
        wanted[""] = entra
    intune = {f.category for f in feeds if f.source is Source.intune} | set(config.intune_categories)
    if intune:
        wanted[INTUNE_SCOPE] = intune
    if any(f.source is Source.activity for f in feeds):
        wanted[subscription_scope(environment)] = set(config.activity_log_categories) | {"Administrative"}
    for resource in config.resources:
        kind = resource_type(resource)
        needed = {f.category for f in feeds if f.source is Source.resource and f.resource_type == kind}
        if needed:
            wanted[resource] = needed
    return wanted


def build_sources_plan(
    tables: Iterable[str], config: SourcesConfig, environment: Environment, live: LiveSources
) -> SourcesPlan:
    tables = sorted(set(tables))
    feeds = needed_feeds(tables)
    plan = SourcesPlan(unmanaged=[f for f in feeds if not f.managed])
    declared_types = {resource_type(resource) for resource in config.resources}
    plan.undeclared = [
        f for f in feeds if f.source is Source.resource and (f.resource_type or "") not in declared_types
    ]
    for scope, categories in sorted(wanted_categories(feeds, config, environment).items()):
        settings = live.settings.get(scope, [])
        ours = next((s for s in settings if s.name.lower() == config.setting_name.lower()), None)
        # Categories another setting already sends to this workspace are collected: not exported twice
        # (Azure refuses a second setting sending one category to the same workspace).
        elsewhere = {
            c
            for s in settings
            if s is not ours and (s.workspace_id or "").lower() == environment.workspace_id.lower()
            for c in s.categories
        }
        keep = set(ours.categories) if ours is not None else set()
        wanted = Setting(
            scope,
            config.setting_name,
            frozenset(keep | (categories - elsewhere)),
            environment.workspace_id,
            config.storage_account_id,
            config.event_hub_authorization_rule_id,
            config.event_hub_name,
        )
        if not wanted.categories:
            continue
        if ours is None:
            plan.settings.append(SettingChange(Action.create, wanted, None, wanted.categories))
        elif _same(ours, wanted):
            plan.settings.append(SettingChange(Action.noop, ours, ours))
        else:
            plan.settings.append(
                SettingChange(Action.update, wanted, ours, wanted.categories - ours.categories)
            )
    export = _export_change(feeds, config, environment, live)
    if export is not None:
        plan.exports.append(export)
    for table in tables:
        if feed_for(table) is None and not table.endswith("_CL"):
            continue
        wanted_retention = TableRetention(table, config.interactive_retention_days, config.retention_days)
        current = live.retention.get(table)
        if current is not None and current.total_days >= config.retention_days:
            plan.retention.append(RetentionChange(Action.noop, current, current))
            continue
        action = Action.create if current is None else Action.update
        plan.retention.append(RetentionChange(action, wanted_retention, current))
    return plan


def _same(current: Setting, wanted: Setting) -> bool:
    def destinations(s: Setting) -> tuple[str, ...]:
        values = (s.workspace_id, s.storage_account_id, s.event_hub_authorization_rule_id, s.event_hub_name)
        return tuple((v or "").lower() for v in values)

    return current.categories == wanted.categories and destinations(current) == destinations(wanted)


def wanted_event_sources(feeds: Sequence[Feed], config: SourcesConfig) -> set[str]:
    """The continuous export event sources the detections need (and the declared ones)."""
    return {f.category for f in feeds if f.source is Source.defender} | set(config.defender_event_sources)


def _export_change(
    feeds: Sequence[Feed], config: SourcesConfig, environment: Environment, live: LiveSources
) -> ExportChange | None:
    needed = wanted_event_sources(feeds, config)
    if not needed:
        return None
    ours = next(
        (
            e
            for e in live.exports
            if e.name.lower() == config.setting_name.lower()
            and e.resource_group.lower() == environment.resource_group.lower()
        ),
        None,
    )
    # What another automation already exports to this workspace is collected: exporting it twice would
    # ingest (and bill) every alert twice.
    elsewhere = {
        source
        for e in live.exports
        if e is not ours
        for source in e.exports_to(environment.workspace_id, environment.subscription)
    }
    keep = set(ours.event_sources) if ours is not None else set()
    sources = frozenset(keep | (needed - elsewhere))
    if not sources:
        return None
    # An automation's location is set when it is created ("location": read and create in the spec).
    location = (ours.location if ours else "") or config.export_location or environment.location
    if not location:
        raise SourcesConfigError(
            f"environment {environment.name!r}: exporting Defender for Cloud {', '.join(sorted(sources))} "
            "needs a region for the automation",
            hint="set location in [environments.<name>] or sources.export_location",
        )
    wanted = Export(
        environment.resource_group,
        ours.name if ours else config.setting_name,
        sources,
        (environment.workspace_id,),
        (subscription_scope(environment),),
        True,
        location,
    )
    if ours is None:
        return ExportChange(Action.create, wanted, None, sources)
    if _same_export(ours, wanted):
        return ExportChange(Action.noop, ours, ours)
    return ExportChange(Action.update, wanted, ours, sources - ours.event_sources)


def _same_export(current: Export, wanted: Export) -> bool:
    def lowered(values: Iterable[str]) -> set[str]:
        return {v.lower().rstrip("/") for v in values}

    return (
        current.event_sources == wanted.event_sources
        and current.enabled == wanted.enabled
        and lowered(current.workspace_ids) == lowered(wanted.workspace_ids)
        and lowered(current.scopes) == lowered(wanted.scopes)
    )
