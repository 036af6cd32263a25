"""Diagnostic settings, continuous exports and table retention as Azure has them: read and written through
ARM.

The api-version of each call is kqlrules/deploy/api_versions.py's (and named in docs/sources.md):
Entra ID, Intune and Monitor diagnostic settings and Defender for Cloud automations go through
azure-mgmt-core's pipeline (azure-mgmt-monitor 7 no longer ships the diagnostic settings operations, and no
SDK covers the tenant-scope ones); workspace tables through azure-mgmt-loganalytics.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import quote

from azure.core.credentials import TokenCredential
from azure.core.exceptions import AzureError
from azure.core.rest import HttpRequest
from azure.mgmt.loganalytics import LogAnalyticsManagementClient
from azure.mgmt.loganalytics.models import Table, TableProperties

from kqlrules.deploy import (
    ENTRA_DIAGNOSTIC_SETTINGS,
    INSIGHTS_DIAGNOSTIC_SETTINGS,
    INTUNE_DIAGNOSTIC_SETTINGS,
    SECURITY_AUTOMATIONS,
    ArmError,
    Environment,
    arm_pipeline_client,
    send_arm,
)

ENTRA_SCOPE = "/providers/microsoft.aadiam"
# Intune's settings live at the tenant too; kqlrules names their scope by the provider path, while the
# Entra ID tenant keeps the empty scope it always had.
INTUNE_SCOPE = "/providers/microsoft.intune"

Json = dict[str, Any]


@dataclass(frozen=True)
class Setting:
    """One diagnostic setting at a scope: its name and what it exports where."""

    scope: str  # "" for the Entra ID tenant, INTUNE_SCOPE for Intune, else a subscription or resource id
    name: str
    categories: frozenset[str]
    workspace_id: str | None = None
    storage_account_id: str | None = None
    event_hub_authorization_rule_id: str | None = None
    event_hub_name: str | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.scope.lower(), self.name.lower())

    def body(self) -> Json:
        properties: Json = {
            "logs": [{"category": category, "enabled": True} for category in sorted(self.categories)]
        }
        for key, value in (
            ("workspaceId", self.workspace_id),
            ("storageAccountId", self.storage_account_id),
            ("eventHubAuthorizationRuleId", self.event_hub_authorization_rule_id),
            ("eventHubName", self.event_hub_name),
        ):
            if value:
                properties[key] = value
        return {"properties": properties}

    @classmethod
    def from_body(cls, scope: str, body: Json) -> Setting:
        properties = body.get("properties") or {}
        logs = properties.get("logs") or []
        enabled = frozenset(
            str(log.get("category")) for log in logs if log.get("enabled") and log.get("category")
        )
        return cls(
            scope,
            str(body.get("name", "")),
            enabled,
            properties.get("workspaceId"),
            properties.get("storageAccountId"),
            properties.get("eventHubAuthorizationRuleId"),
            properties.get("eventHubName"),
        )


@dataclass(frozen=True)
class TableRetention:
    table: str
    interactive_days: int
    total_days: int


@dataclass(frozen=True)
class Export:
    """One Defender for Cloud automation (`Microsoft.Security/automations`) seen as a continuous export:
    the event sources it sends to Log Analytics workspaces, and the scopes it covers."""

    resource_group: str
    name: str
    event_sources: frozenset[str]
    workspace_ids: tuple[str, ...]  # the workspaces of its `Workspace` actions
    scopes: tuple[str, ...]  # scopePath of each scope: the subscription or resource groups in it
    enabled: bool = True
    location: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return (self.resource_group.lower(), self.name.lower())

    def exports_to(self, workspace_id: str, subscription: str) -> frozenset[str]:
        """The event sources this automation exports, for the whole subscription, to `workspace_id`."""
        whole = f"/subscriptions/{subscription}".lower()
        if not self.enabled or workspace_id.lower() not in {w.lower() for w in self.workspace_ids}:
            return frozenset()
        if not any(scope.lower().rstrip("/") == whole for scope in self.scopes):
            return frozenset()
        return self.event_sources

    def body(self) -> Json:
        return {
            "location": self.location,
            "properties": {
                "description": "Continuous export of the event sources detections read (kqlrules sources)",
                "isEnabled": self.enabled,
                "scopes": [{"scopePath": scope} for scope in self.scopes],
                "sources": [{"eventSource": source, "ruleSets": []} for source in sorted(self.event_sources)],
                "actions": [
                    {"actionType": "Workspace", "workspaceResourceId": workspace}
                    for workspace in self.workspace_ids
                ],
            },
        }

    @classmethod
    def from_body(cls, body: Json) -> Export:
        properties = body.get("properties") or {}
        identifier = str(body.get("id", ""))
        parts = identifier.split("/")
        group = parts[4] if len(parts) > 4 and parts[3].lower() == "resourcegroups" else ""
        return cls(
            group,
            str(body.get("name", "")),
            frozenset(
                str(s.get("eventSource")) for s in properties.get("sources") or [] if s.get("eventSource")
            ),
            tuple(
                str(a["workspaceResourceId"])
                for a in properties.get("actions") or []
                if a.get("actionType") == "Workspace" and a.get("workspaceResourceId")
            ),
            tuple(str(s["scopePath"]) for s in properties.get("scopes") or [] if s.get("scopePath")),
            bool(properties.get("isEnabled", True)),
            str(body.get("location", "")),
        )


@dataclass
class LiveSources:
    """What one environment has now."""

    settings: dict[str, list[Setting]] = field(default_factory=dict)  # scope -> its settings
    retention: dict[str, TableRetention] = field(default_factory=dict)  # table -> its retention
    exports: list[Export] = field(default_factory=list)  # the subscription's Defender for Cloud automations


class SourcesStore(Protocol):
    def settings(self, scope: str) -> list[Setting]: ...

    def put_setting(self, setting: Setting) -> None: ...

    def retention(self) -> dict[str, TableRetention]: ...

    def put_retention(self, retention: TableRetention) -> None: ...

    def exports(self) -> list[Export]: ...

    def put_export(self, export: Export) -> None: ...


def _setting_path(scope: str, name: str = "") -> tuple[str, str]:
    if not scope:
        base, version = f"{ENTRA_SCOPE}/diagnosticSettings", ENTRA_DIAGNOSTIC_SETTINGS
    elif scope.lower() == INTUNE_SCOPE:
        base, version = f"{INTUNE_SCOPE}/diagnosticSettings", INTUNE_DIAGNOSTIC_SETTINGS
    else:
        base, version = (
            f"{scope.rstrip('/')}/providers/Microsoft.Insights/diagnosticSettings",
            INSIGHTS_DIAGNOSTIC_SETTINGS,
        )
    return (f"{base}/{quote(name)}" if name else base), version


def scope_label(scope: str) -> str:
    """A scope as people call it."""
    if not scope:
        return "Entra ID"
    return "Intune" if scope.lower() == INTUNE_SCOPE else scope


class ArmSourcesStore:
    """The real thing (or the local ARM emulator), with the environment's credential."""

    def __init__(self, environment: Environment, credential: TokenCredential) -> None:
        self._env = environment
        self._client = arm_pipeline_client(environment, credential)
        options: Json = {"enforce_https": False} if environment.is_loopback else {}
        self._options = options
        self._tables = LogAnalyticsManagementClient(
            credential, environment.subscription, base_url=environment.arm_endpoint
        ).tables

    def _url(self, scope: str, name: str = "") -> str:
        path, version = _setting_path(scope, name)
        return self._client.format_url(f"{path}?api-version={version}")

    def settings(self, scope: str) -> list[Setting]:
        what = f"reading the diagnostic settings of {scope_label(scope)}"
        page = send_arm(self._client, self._env, HttpRequest("GET", self._url(scope)), what, (200,)).json()
        return [Setting.from_body(scope, body) for body in page.get("value") or []]

    def put_setting(self, setting: Setting) -> None:
        self._put_raw(setting.scope, setting.name, setting.body())

    def _put_raw(self, scope: str, name: str, body: Json) -> None:
        what = f"writing diagnostic setting {name} of {scope_label(scope)}"
        request = HttpRequest("PUT", self._url(scope, name), json=body)
        send_arm(self._client, self._env, request, what, (200, 201))

    def retention(self) -> dict[str, TableRetention]:
        try:
            tables = list(
                self._tables.list_by_workspace(self._env.resource_group, self._env.workspace, **self._options)
            )
        except AzureError as exc:
            raise ArmError(f"reading the tables of workspace {self._env.workspace}: {exc.message}") from None
        out = {}
        for table in tables:
            properties = table.properties
            if table.name and properties is not None:
                out[table.name] = TableRetention(
                    table.name,
                    int(properties.retention_in_days or 30),
                    int(properties.total_retention_in_days or 30),
                )
        return out

    def put_retention(self, retention: TableRetention) -> None:
        properties = TableProperties(
            retention_in_days=retention.interactive_days, total_retention_in_days=retention.total_days
        )
        body = Table(properties=properties)
        try:
            poller = self._tables.begin_update(
                self._env.resource_group, self._env.workspace, retention.table, body, **self._options
            )
            poller.result()
        except AzureError as exc:
            raise ArmError(f"setting the retention of table {retention.table}: {exc.message}") from None

    def exports(self) -> list[Export]:
        """Every automation of the subscription (its list operation, page by page)."""
        path = f"/subscriptions/{self._env.subscription}/providers/Microsoft.Security/automations"
        url: str | None = self._client.format_url(f"{path}?api-version={SECURITY_AUTOMATIONS}")
        found: list[Export] = []
        while url:
            request = HttpRequest("GET", url)
            page = send_arm(
                self._client, self._env, request, "listing Defender for Cloud automations", (200,)
            )
            body = page.json()
            found.extend(Export.from_body(item) for item in body.get("value") or [])
            url = body.get("nextLink")
        return found

    def put_export(self, export: Export) -> None:
        path = (
            f"/subscriptions/{self._env.subscription}/resourceGroups/{export.resource_group}"
            f"/providers/Microsoft.Security/automations/{quote(export.name)}"
        )
        url = self._client.format_url(f"{path}?api-version={SECURITY_AUTOMATIONS}")
        what = f"writing Defender for Cloud automation {export.name}"
        send_arm(self._client, self._env, HttpRequest("PUT", url, json=export.body()), what, (200, 201))


def read_live(store: SourcesStore, scopes: list[str], *, exports: bool = False) -> LiveSources:
    """The settings of `scopes`, table retention, and (`exports`: a detection reads what continuous export
    fills) the subscription's Defender for Cloud automations."""
    return LiveSources(
        {scope: store.settings(scope) for scope in scopes},
        store.retention(),
        store.exports() if exports else [],
    )
