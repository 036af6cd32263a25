"""Where a repository deploys: the `[environments.<name>]` tables of `kqlrules.toml` or `[tool.kqlrules]`."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from kqlrules.deploy.ownership import repository_identity
from kqlrules.errors import KqlrulesError, Location, UsageProblem
from kqlrules.rules import PLACEHOLDER_ID, RepoConfig, load_config

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
    # Whether `repository` was set in kqlrules.toml (else it is the git origin or the folder's name, which
    # another repository may share): `--prune` deletes only with an identity the user chose.
    repository_explicit: bool = False
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


def arm_credential(environment: Environment) -> Any:
    """The emulator's credential for a loopback ARM endpoint (the token its start wrote for this user),
    else DefaultAzureCredential (deploy, sources and import workspace alike); imported here, not at
    start-up, because the Azure SDK is slow to load."""
    if environment.is_loopback:
        from kqlrules.deploy.emulator import EmulatorCredential

        return EmulatorCredential.for_endpoint(environment.arm_endpoint)
    if environment.subscription == PLACEHOLDER_ID:
        # Checked here, where Azure is about to be called, so that `validate` and `render` of a fresh
        # scaffold still pass offline.
        raise DeployConfigError(
            f"environment {environment.name!r}: subscription is still the placeholder kqlrules init wrote",
            hint="set it in kqlrules.toml to the subscription that holds the workspace (`az account show`)",
        )
    from kqlrules.azure_credential import DefaultCredential

    return DefaultCredential()


def environment_from_table(name: str, table: dict[str, Any], where: Location | None = None) -> Environment:
    targets = tuple(table.get("targets", TARGETS))
    required = (
        "subscription",
        "resource_group",
        "workspace",
        *(("location",) if "monitor" in targets else ()),
    )
    missing = [key for key in required if not table.get(key)]
    if missing:
        raise DeployConfigError(
            f"environment {name!r} lacks {', '.join(missing)}",
            where,
            hint="an environment names subscription, resource_group, workspace (and location for monitor)",
        )
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
        location=str(table.get("location", "")),
        targets=targets,
        action_groups=tuple(str(a) for a in table.get("action_groups", ())),
        arm_endpoint=endpoint,
        repository=repository_identity(str(table["repository"])) if table.get("repository") else "",
        repository_explicit=bool(table.get("repository")),
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


def environment_from_config(config: RepoConfig, name: str | None, root: Path) -> Environment:
    """The environment `name` of a repository's configuration (or its only one), ready to deploy to."""
    where = Location.of(str(config.path)) if config.path else Location.of(str(root / "kqlrules.toml"))
    if name is None:
        if len(config.environments) != 1:
            known = ", ".join(sorted(config.environments)) or "none defined"
            raise DeployConfigError(
                f"choose an environment with --env (known: {known})",
                where,
                hint="define [environments.<name>] with subscription, resource_group, workspace, location",
            )
        name = next(iter(config.environments))
    table = config.environment(name).model_dump(exclude_none=True)
    table.pop("params", None)
    table.pop("workspace_id", None)
    if not table.get("targets"):
        table.pop("targets", None)
    if not table.get("repository") and config.repository:
        table["repository"] = config.repository
    environment = environment_from_table(name, table, where)
    if environment.repository:
        return environment
    return replace(environment, repository=implicit_repository(root))


def configured_repository(config: RepoConfig, root: Path) -> str:
    """The repository identity the ownership marks carry when no environment is chosen: the `repository`
    the environments configure (when they agree), else the top-level `repository`, else the implicit one."""
    named = {str((env.model_extra or {}).get("repository") or "") for env in config.environments.values()}
    named.discard("")
    if len(named) == 1:
        return repository_identity(named.pop())
    if config.repository:
        return repository_identity(config.repository)
    return implicit_repository(root)


def implicit_repository(root: Path) -> str:
    """The identity of a repository that names none: its git origin's `owner/name`, else its folder's name.
    Good enough to mark what apply creates; not enough to prune by (another clone may share it)."""
    return repository_identity(git_origin(root) or root.resolve().name)


def require_explicit_repository(environment: Environment) -> None:
    """`--prune` deletes the rules whose marks name this repository: refuse unless the user named it, so
    two repositories in folders of the same name never delete each other's rules."""
    if environment.repository_explicit:
        return
    raise DeployConfigError(
        f"--prune needs this repository's identity in kqlrules.toml (now it is only the implicit"
        f" {environment.repository!r}, which another repository can share, and then prune its rules)",
        hint=f'add repository = "{environment.repository}" at the top of kqlrules.toml (the identity the'
        " rules deployed so far carry; choose a name no other repository uses)",
    )


def git_origin(root: Path) -> str | None:
    """`owner/name` of the origin remote, the most stable identity a clone has."""
    try:
        result = subprocess.run(
            ["git", "-C", str(root), "config", "--get", "remote.origin.url"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    url = result.stdout.strip().removesuffix(".git")
    if not url:
        return None
    parts = [p for p in re.split(r"[/:]", url) if p]
    return "/".join(parts[-2:])


def import_environment(
    root: Path,
    env: str | None,
    subscription: str | None,
    resource_group: str | None,
    workspace: str | None,
    arm_endpoint: str,
) -> Environment:
    """The workspace `kqlrules import workspace` reads rules from: the `--env` environment of the repository
    at `root`, or one named by all of `--subscription`, `--resource-group` and `--workspace-name`."""
    direct = {"subscription": subscription, "resource_group": resource_group, "workspace": workspace}
    flags = {
        "subscription": "--subscription",
        "resource_group": "--resource-group",
        "workspace": "--workspace-name",
    }
    if env is not None:
        if any(direct.values()):
            raise UsageProblem("give --env or --subscription/--resource-group/--workspace-name, not both")
        return environment_from_config(load_config(root), env, root)
    missing = [flags[key] for key, value in direct.items() if not value]
    if missing:
        raise UsageProblem(
            f"no workspace to import from: missing {', '.join(missing)}",
            hint="pass --env E (an environment of kqlrules.toml) or all of --subscription, "
            "--resource-group and --workspace-name",
        )
    table = {**direct, "arm_endpoint": arm_endpoint, "location": "-"}
    return environment_from_table("command line", table)
