"""From the detections' needs to the diagnostic settings and retention an environment should have.

The wanted state: one setting named `setting_name` at each scope a needed category lives at (the Entra ID
tenant, the subscription, each declared resource), exporting every category the detections need there to
the environment's workspace (and the optional storage account / event hub); every table a detection reads
kept `retention_days` in total. kqlrules changes only settings with its own name: a setting someone else
made is read (what it exports counts as collected) and never edited.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from kqlrules.deploy import Environment
from kqlrules.sources.catalogue import Feed, Source, feed_for
from kqlrules.sources.declared import SourcesConfig
from kqlrules.sources.live import LiveSources, Setting, TableRetention


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


@dataclass
class SourcesPlan:
    settings: list[SettingChange] = field(default_factory=list)
    retention: list[RetentionChange] = field(default_factory=list)
    unmanaged: list[Feed] = field(default_factory=list)  # needed feeds kqlrules can only check

    @property
    def changes(self) -> list[SettingChange | RetentionChange]:
        every: list[SettingChange | RetentionChange] = [*self.settings, *self.retention]
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
