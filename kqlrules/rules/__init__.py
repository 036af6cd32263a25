"""kqlrules.rules: detections as files — metadata, templates, configuration — loaded with positions kept.

```python
repo = load_repository(Path("."), env="prod", params={"threshold": "5"})
for problem in repo.problems: print(problem)          # path:line:col: message
query = find_detection(repo, "risky_signin").render()
query.line_map.to_template(3, 7)                        # -> Location in the .kql (or a macro)
```
"""

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kqlrules.rules.clock import QUERY_NOW
    from kqlrules.rules.config import (
        PLACEHOLDER_ID,
        ConfigError,
        EnvironmentConfig,
        RepoConfig,
        SinkConfig,
        load_config,
        workspace_spec,
    )
    from kqlrules.rules.filters import kql_datetime, kql_list, kql_string, kql_timespan
    from kqlrules.rules.incident_creation import KIND, PRODUCTS, IncidentCreationRule
    from kqlrules.rules.linemap import LineMap
    from kqlrules.rules.loader import MetadataError
    from kqlrules.rules.model import MAX_QUERY_LENGTH, TACTICS, Detection, Severity, Trigger
    from kqlrules.rules.params import ParamError, check_param_names, parse_param_options
    from kqlrules.rules.paths import shown
    from kqlrules.rules.repository import (
        LoadedDetection,
        LoadedIncidentRule,
        Repository,
        RepositoryProblems,
        find_detection,
        load_repository,
    )
    from kqlrules.rules.sentinel_yaml import (
        SentinelYamlError,
        compose_rule,
        is_rule_file,
        read_rule,
        read_text,
        rule_files,
    )
    from kqlrules.rules.templates import RenderedQuery, TemplateError, TemplateReads

# Each name is imported from its module on first use (PEP 562 module `__getattr__`): the package is on
# every command's path, and most commands need a few of these (`kqlrules list` needs no Jinja2).
_HOME = {
    "ConfigError": "kqlrules.rules.config",
    "Detection": "kqlrules.rules.model",
    "EnvironmentConfig": "kqlrules.rules.config",
    "IncidentCreationRule": "kqlrules.rules.incident_creation",
    "KIND": "kqlrules.rules.incident_creation",
    "LineMap": "kqlrules.rules.linemap",
    "LoadedDetection": "kqlrules.rules.repository",
    "LoadedIncidentRule": "kqlrules.rules.repository",
    "MAX_QUERY_LENGTH": "kqlrules.rules.model",
    "MetadataError": "kqlrules.rules.loader",
    "PLACEHOLDER_ID": "kqlrules.rules.config",
    "PRODUCTS": "kqlrules.rules.incident_creation",
    "ParamError": "kqlrules.rules.params",
    "QUERY_NOW": "kqlrules.rules.clock",
    "RenderedQuery": "kqlrules.rules.templates",
    "RepoConfig": "kqlrules.rules.config",
    "Repository": "kqlrules.rules.repository",
    "RepositoryProblems": "kqlrules.rules.repository",
    "SentinelYamlError": "kqlrules.rules.sentinel_yaml",
    "Severity": "kqlrules.rules.model",
    "SinkConfig": "kqlrules.rules.config",
    "TACTICS": "kqlrules.rules.model",
    "TemplateError": "kqlrules.rules.templates",
    "TemplateReads": "kqlrules.rules.templates",
    "Trigger": "kqlrules.rules.model",
    "check_param_names": "kqlrules.rules.params",
    "compose_rule": "kqlrules.rules.sentinel_yaml",
    "find_detection": "kqlrules.rules.repository",
    "is_rule_file": "kqlrules.rules.sentinel_yaml",
    "kql_datetime": "kqlrules.rules.filters",
    "kql_list": "kqlrules.rules.filters",
    "kql_string": "kqlrules.rules.filters",
    "kql_timespan": "kqlrules.rules.filters",
    "load_config": "kqlrules.rules.config",
    "load_repository": "kqlrules.rules.repository",
    "parse_param_options": "kqlrules.rules.params",
    "read_rule": "kqlrules.rules.sentinel_yaml",
    "read_text": "kqlrules.rules.sentinel_yaml",
    "rule_files": "kqlrules.rules.sentinel_yaml",
    "shown": "kqlrules.rules.paths",
    "workspace_spec": "kqlrules.rules.config",
}


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


__all__ = [
    "KIND",
    "MAX_QUERY_LENGTH",
    "PLACEHOLDER_ID",
    "PRODUCTS",
    "QUERY_NOW",
    "TACTICS",
    "ConfigError",
    "Detection",
    "EnvironmentConfig",
    "IncidentCreationRule",
    "LineMap",
    "LoadedDetection",
    "LoadedIncidentRule",
    "MetadataError",
    "ParamError",
    "RenderedQuery",
    "RepoConfig",
    "Repository",
    "RepositoryProblems",
    "SentinelYamlError",
    "Severity",
    "SinkConfig",
    "TemplateError",
    "TemplateReads",
    "Trigger",
    "check_param_names",
    "compose_rule",
    "find_detection",
    "is_rule_file",
    "kql_datetime",
    "kql_list",
    "kql_string",
    "kql_timespan",
    "load_config",
    "load_repository",
    "parse_param_options",
    "read_rule",
    "read_text",
    "rule_files",
    "shown",
    "workspace_spec",
]
