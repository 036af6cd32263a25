"""kqlrules.rules: detections as files — metadata, templates, configuration — loaded with positions kept.

```python
repo = load_repository(Path("."), env="prod", params={"threshold": "5"})
for problem in repo.problems: print(problem)          # path:line:col: message
query = find_detection(repo, "risky_signin").render()
query.line_map.to_template(3, 7)                        # -> Location in the .kql (or a macro)
```
"""

from kqlrules.rules.clock import QUERY_NOW
from kqlrules.rules.config import (
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
from kqlrules.rules.templates import RenderedQuery, TemplateError

__all__ = [
    "KIND",
    "MAX_QUERY_LENGTH",
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
