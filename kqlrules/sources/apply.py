"""Carry out a sources plan: each setting, export and retention change, in order; the first refusal stops."""

from __future__ import annotations

from collections.abc import Iterable

from kqlrules.deploy import Environment
from kqlrules.sources.declared import SourcesConfig
from kqlrules.sources.live import LiveSources, SourcesStore, read_live
from kqlrules.sources.plan import (
    Action,
    SourcesPlan,
    needed_feeds,
    subscription_scope,
    wanted_categories,
    wanted_event_sources,
)


def scopes_of(tables: Iterable[str], config: SourcesConfig, environment: Environment) -> list[str]:
    """The scopes whose settings the plan and the check read: where needed categories live."""
    scopes = set(wanted_categories(needed_feeds(tables), config, environment))
    scopes |= {"", subscription_scope(environment), *config.resources}
    return sorted(scopes)


def reads_exports(tables: Iterable[str], config: SourcesConfig) -> bool:
    """Whether the plan and the check need the subscription's Defender for Cloud automations."""
    return bool(wanted_event_sources(needed_feeds(tables), config))


def apply_sources(plan: SourcesPlan, store: SourcesStore) -> int:
    """The number of changes made."""
    made = 0
    for setting in plan.settings:
        if setting.action is not Action.noop:
            store.put_setting(setting.wanted)
            made += 1
    for export in plan.exports:
        if export.action is not Action.noop:
            store.put_export(export.wanted)
            made += 1
    for retention in plan.retention:
        if retention.action is not Action.noop:
            store.put_retention(retention.wanted)
            made += 1
    return made


def read_live_for(
    store: SourcesStore, tables: list[str], config: SourcesConfig, environment: Environment
) -> LiveSources:
    """The live settings, exports and retention that bear on `tables`: the scopes they are collected at."""
    return read_live(store, scopes_of(tables, config, environment), exports=reads_exports(tables, config))
