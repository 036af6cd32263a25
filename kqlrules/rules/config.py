"""The repository's configuration: `kqlrules.toml`, or `[tool.kqlrules]` in `pyproject.toml`.

```toml
repository = "acme/detections" # who owns what `kqlrules deploy` creates; `--prune` needs it

[params]                       # every detection's template sees these
allowed_countries = ["NL", "BE"]

[environments.prod]            # chosen with --env prod
workspace = "sentinel-prod"
[environments.prod.params]
allowed_countries = ["NL"]

[sinks.soc]                    # `kqlrules run --sink soc`: the runner's outbox knows the sink by this name,
target = "webhook:https://soc.example.com/alerts"   # so a new URL or secret does not re-send history
secret_env = "SOC_WEBHOOK_SECRET"                    # the environment variable holding the HMAC secret
```
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pydantic
from pydantic import BaseModel, ConfigDict

from kqlrules.errors import Location, UsageProblem, ValidationError
from kqlrules.rules.paths import shown

CONFIG_FILE = "kqlrules.toml"
PYPROJECT = "pyproject.toml"
# What `kqlrules init` writes for the ids only the user knows (subscription, workspace_id): no Azure
# resource has it, so a command that would send it to Azure stops and says which key to fill in.
PLACEHOLDER_ID = "00000000-0000-0000-0000-000000000000"


class ConfigError(ValidationError):
    """The repository configuration file cannot be read or says something invalid."""


class EnvironmentConfig(BaseModel):
    """One named environment: template parameters plus where its detections deploy.

    Unknown keys are kept (`model_extra`) so a deploy target may read settings of its own."""

    model_config = ConfigDict(extra="allow", frozen=True)

    params: dict[str, Any] = {}
    subscription: str | None = None
    resource_group: str | None = None
    workspace: str | None = None
    workspace_id: str | None = None
    location: str | None = None
    action_groups: list[str] = []
    targets: list[str] = []


class SinkConfig(BaseModel):
    """A named alert sink for `kqlrules run`: where it goes (a sink spec) and, for a webhook, the name of
    the environment variable that holds its signing secret (never the secret itself)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    target: str
    secret_env: str | None = None


class RepoConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # The identity deployed rules carry as their owner (an environment's own `repository` overrides it).
    repository: str | None = pydantic.Field(default=None, pattern=r"\S")
    params: dict[str, Any] = {}
    environments: dict[str, EnvironmentConfig] = {}
    sinks: dict[str, SinkConfig] = {}
    # The file it came from (None when the repository has none); set by `load_config`.
    path: Path | None = None

    def environment(self, name: str) -> EnvironmentConfig:
        """The named environment, or an error that lists the ones there are."""
        if name in self.environments:
            return self.environments[name]
        known = ", ".join(sorted(self.environments)) or "none defined"
        where = Location.of(shown(self.path)) if self.path else None
        raise ConfigError(
            f"unknown environment {name!r} (known: {known})",
            where,
            hint="define it under [environments.<name>] in kqlrules.toml",
        )


def load_config(root: Path) -> RepoConfig:
    """Read `kqlrules.toml`, else `[tool.kqlrules]` of `pyproject.toml`, else an empty configuration."""
    own = root / CONFIG_FILE
    if own.is_file():
        return _validate(_read_toml(own), own)
    pyproject = root / PYPROJECT
    if pyproject.is_file():
        table = _read_toml(pyproject).get("tool", {}).get("kqlrules")
        if isinstance(table, dict):
            return _validate(table, pyproject)
    return RepoConfig()


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
        return tomllib.loads(text)
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read file: {error}", Location.of(shown(path))) from None
    except RecursionError:
        # tomllib reads nested arrays and inline tables recursively.
        message = "invalid TOML: arrays or tables nested too deeply"
        raise ConfigError(message, Location.of(shown(path))) from None
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        match = re.search(r"\(at line (\d+), column (\d+)\)", message)
        line, col = (int(match.group(1)), int(match.group(2))) if match else (0, 0)
        if not match and "(at end of document)" in message:
            # tomllib names no line for a value cut short by the end of the file: that is its last line.
            lines = text.splitlines() or [""]
            line, col = len(lines), len(lines[-1]) + 1
        reason = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", message) or "invalid TOML"
        raise ConfigError(f"invalid TOML: {reason}", Location.of(shown(path), line, col)) from None


def _validate(data: dict[str, Any], path: Path) -> RepoConfig:
    try:
        config = RepoConfig.model_validate(data)
    except pydantic.ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        key = str(first["loc"][-1]) if first["loc"] else ""
        message = (
            f"unknown key {where!r}" if first["type"] == "extra_forbidden" else f"{where}: {first['msg']}"
        )
        raise ConfigError(message, Location.of(shown(path), _line_of(path, key))) from None
    return config.model_copy(update={"path": path})


def _line_of(path: Path, key: str) -> int:
    """TOML keeps no positions; the first line that sets `key` is close enough to point at."""
    if not key:
        return 0
    pattern = re.compile(rf"^\s*(\[.*\b{re.escape(key)}\b.*\]|{re.escape(key)}\s*=)")
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if pattern.search(line):
            return number
    return 0


def workspace_spec(workspace: str | None, config: RepoConfig, env: str | None) -> str:
    """The workspace a command reads: `--workspace`, else the `workspace_id` of the `--env` environment."""
    if workspace:
        return workspace
    if env is not None and config.environment(env).workspace_id:
        workspace_id = str(config.environment(env).workspace_id)
        if workspace_id == PLACEHOLDER_ID:
            where = (
                Location.of(shown(config.path), _line_of(config.path, "workspace_id"))
                if config.path
                else None
            )
            raise ConfigError(
                f"environment {env!r}: workspace_id is still the placeholder kqlrules init wrote",
                where,
                hint="set it to your Log Analytics workspace ID (Workspace > Overview > Workspace ID)",
            )
        return workspace_id
    raise UsageProblem(
        "no workspace to look at",
        hint="pass --workspace local:DIR or a workspace id, or --env with a workspace_id in kqlrules.toml",
    )
