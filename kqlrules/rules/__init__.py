"""kqlrules.rules: detections as files — metadata, templates, configuration — loaded with positions kept.

```python
repo = load_repository(Path("."), env="prod", params={"threshold": "5"})
for problem in repo.problems: print(problem)          # path:line:col: message
query = find_detection(repo, "risky_signin").render()
query.line_map.to_template(3, 7)                        # -> Location in the .kql (or a macro)
```
"""

from kqlrules.rules.config import ConfigError, EnvironmentConfig, RepoConfig, load_config
from kqlrules.rules.filters import kql_datetime, kql_list, kql_string, kql_timespan
from kqlrules.rules.linemap import LineMap
from kqlrules.rules.loader import MetadataError
from kqlrules.rules.model import Detection, Severity
from kqlrules.rules.params import ParamError, parse_param_options
from kqlrules.rules.repository import (
    LoadedDetection,
    Repository,
    RepositoryProblems,
    find_detection,
    load_repository,
)
from kqlrules.rules.templates import RenderedQuery, TemplateError
from kqlrules.rules.yaml_bounds import YamlShapeProblem, shape_problem

__all__ = [
    "ConfigError",
    "Detection",
    "EnvironmentConfig",
    "LineMap",
    "LoadedDetection",
    "MetadataError",
    "ParamError",
    "RenderedQuery",
    "RepoConfig",
    "Repository",
    "RepositoryProblems",
    "Severity",
    "TemplateError",
    "YamlShapeProblem",
    "find_detection",
    "kql_datetime",
    "kql_list",
    "kql_string",
    "kql_timespan",
    "load_config",
    "load_repository",
    "parse_param_options",
    "shape_problem",
]
