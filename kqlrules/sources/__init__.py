"""kqlrules.sources: the log collection every detection depends on, as code.

```python
config = sources_config(environment.name, environment.extra)
live = read_live(store, scopes_of(tables, config, environment), exports=reads_exports(tables, config))
plan = build_sources_plan(tables, config, environment, live)   # what to create or change
apply_sources(plan, store)
state = check_detection(key, name, tables, lookback, rows, live, environment, config.resources)
```
"""

from kqlrules.sources.apply import apply_sources, read_live_for, reads_exports, scopes_of
from kqlrules.sources.catalogue import FEEDS, Feed, Source, feed_for
from kqlrules.sources.check import DetectionState, TableState, check_detection
from kqlrules.sources.declared import SourcesConfig, SourcesConfigError, sources_config
from kqlrules.sources.live import (
    INTUNE_SCOPE,
    ArmSourcesStore,
    Export,
    LiveSources,
    Setting,
    SourcesStore,
    TableRetention,
    read_live,
    scope_label,
)
from kqlrules.sources.plan import (
    Action,
    ExportChange,
    RetentionChange,
    SettingChange,
    SourcesPlan,
    build_sources_plan,
)

__all__ = [
    "FEEDS",
    "INTUNE_SCOPE",
    "Action",
    "ArmSourcesStore",
    "DetectionState",
    "Export",
    "ExportChange",
    "Feed",
    "LiveSources",
    "RetentionChange",
    "Setting",
    "SettingChange",
    "Source",
    "SourcesConfig",
    "SourcesConfigError",
    "SourcesPlan",
    "SourcesStore",
    "TableRetention",
    "TableState",
    "apply_sources",
    "build_sources_plan",
    "check_detection",
    "feed_for",
    "read_live",
    "read_live_for",
    "reads_exports",
    "scope_label",
    "scopes_of",
    "sources_config",
]
