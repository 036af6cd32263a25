"""Where a repository deploys: the `[environments.<name>]` tables of `kqlrules.toml` or `[tool.kqlrules]`."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from kqlrules.errors import KqlrulesError, Location

TARGETS = ("sentinel", "monitor")
PUBLIC_ARM_ENDPOINT = "https://management.azure.com"
_LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


class DeployConfigError(KqlrulesError):
    """The environment configuration is missing or wrong."""


@dataclass(frozen=True)
class Environment:
    """One deployment target: a Log Analytics workspace and the rule types deployed to it."""

    name: str
    subscription: str
    resource_group: str
    workspace: str
    location: str
    targets: tuple[str, ...] = TARGETS
    action_groups: tuple[str, ...] = ()
    arm_endpoint: str = PUBLIC_ARM_ENDPOINT
    repository: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def workspace_id(self) -> str:
        return (
            f"/subscriptions/{self.subscription}/resourceGroups/{self.resource_group}"
            f"/providers/Microsoft.OperationalInsights/workspaces/{self.workspace}"
        )

    @property
    def is_loopback(self) -> bool:
        """True for an emulator on this machine: the only place plain http is allowed."""
        return urlparse(self.arm_endpoint).hostname in _LOOPBACK_HOSTS


def environment_from_table(name: str, table: dict[str, Any], where: Location | None = None) -> Environment:
    missing = [key for key in ("subscription", "resource_group", "workspace", "location") if not table.get(key)]
    if missing:
        raise DeployConfigError(f"environment {name!r} lacks {', '.join(missing)}", where)
    targets = tuple(table.get("targets", TARGETS))
    unknown = [t for t in targets if t not in TARGETS]
    if unknown:
        raise DeployConfigError(
            f"environment {name!r}: unknown target {unknown[0]!r}; one of: {', '.join(TARGETS)}", where
        )
    endpoint = str(table.get("arm_endpoint", PUBLIC_ARM_ENDPOINT)).rstrip("/")
    parsed = urlparse(endpoint)
    if parsed.scheme != "https" and not (parsed.scheme == "http" and parsed.hostname in _LOOPBACK_HOSTS):
        raise DeployConfigError(
            f"environment {name!r}: arm_endpoint {endpoint!r} must be https (plain http only on 127.0.0.1)",
            where,
        )
    return Environment(
        name=name,
        subscription=str(table["subscription"]),
        resource_group=str(table["resource_group"]),
        workspace=str(table["workspace"]),
        location=str(table["location"]),
        targets=targets,
        action_groups=tuple(str(a) for a in table.get("action_groups", ())),
        arm_endpoint=endpoint,
        repository=str(table.get("repository", "")),
        extra={k: v for k, v in table.items() if k not in _KNOWN},
    )


_KNOWN = {
    "subscription",
    "resource_group",
    "workspace",
    "location",
    "targets",
    "action_groups",
    "arm_endpoint",
    "repository",
}


def read_config(root: Path) -> tuple[dict[str, Any], Location]:
    """The kqlrules table of a repository: `kqlrules.toml`, else `[tool.kqlrules]` of `pyproject.toml`."""
    for file_name, section in (("kqlrules.toml", ()), ("pyproject.toml", ("tool", "kqlrules"))):
        path = root / file_name
        if not path.is_file():
            continue
        try:
            data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise DeployConfigError(f"not valid TOML: {exc}", Location.of(path)) from None
        for key in section:
            data = data.get(key, {})
        if data or file_name == "kqlrules.toml":
            return data, Location.of(path)
    return {}, Location.of(root / "kqlrules.toml")


def load_environment(root: Path, name: str | None) -> Environment:
    """The environment `name` (or the only one configured) of the repository at `root`."""
    config, where = read_config(root)
    environments: dict[str, Any] = config.get("environments", {})
    if not environments:
        raise DeployConfigError(
            "no [environments.<name>] configured",
            where,
            hint="add [environments.dev] with subscription, resource_group, workspace, location",
        )
    if name is None:
        if len(environments) > 1:
            raise DeployConfigError(
                f"several environments ({', '.join(sorted(environments))}); choose one with --env", where
            )
        name = next(iter(environments))
    if name not in environments:
        raise DeployConfigError(
            f"no environment {name!r}; configured: {', '.join(sorted(environments))}", where
        )
    environment = environment_from_table(name, environments[name], where)
    if not environment.repository:
        repository = str(config.get("repository", "")) or root.resolve().name
        environment = Environment(**{**environment.__dict__, "repository": repository})
    return environment
