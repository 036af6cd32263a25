"""Diagnostic settings and table retention as Azure has them: read and written through ARM.

API versions, chosen here and named in docs/sources.md:
- Entra ID settings: `microsoft.aadiam/diagnosticSettings` 2017-04-01, the only stable version
  (specification/azureactivedirectory/.../stable/2017-04-01/azureactivedirectory.json).
- Subscription and resource settings: `Microsoft.Insights/diagnosticSettings` 2021-05-01-preview, the
  newest version of that resource
  (specification/monitor/.../preview/2021-05-01-preview/diagnosticsSettings_API.json);
  azure-mgmt-monitor 7 no longer ships these operations, so both go through azure-mgmt-core's pipeline.
- Workspace tables: azure-mgmt-loganalytics' `tables` operations (its default api-version).
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

from kqlrules.deploy import ArmError, Environment, arm_pipeline_client, send_arm

ENTRA_SCOPE = "/providers/microsoft.aadiam"
ENTRA_API_VERSION = "2017-04-01"
INSIGHTS_API_VERSION = "2021-05-01-preview"

Json = dict[str, Any]


@dataclass(frozen=True)
class Setting:
    """One diagnostic setting at a scope: its name and what it exports where."""

    scope: str  # "" for the Entra ID tenant, else a subscription or resource id
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


@dataclass
class LiveSources:
    """What one environment has now."""

    settings: dict[str, list[Setting]] = field(default_factory=dict)  # scope -> its settings
    retention: dict[str, TableRetention] = field(default_factory=dict)  # table -> its retention


class SourcesStore(Protocol):
    def settings(self, scope: str) -> list[Setting]: ...

    def put_setting(self, setting: Setting) -> None: ...

    def retention(self) -> dict[str, TableRetention]: ...

    def put_retention(self, retention: TableRetention) -> None: ...


def _setting_path(scope: str, name: str = "") -> tuple[str, str]:
    if scope:
        base, version = (
            f"{scope.rstrip('/')}/providers/Microsoft.Insights/diagnosticSettings",
            INSIGHTS_API_VERSION,
        )
    else:
        base, version = f"{ENTRA_SCOPE}/diagnosticSettings", ENTRA_API_VERSION
    return (f"{base}/{quote(name)}" if name else base), version


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
        what = f"reading the diagnostic settings of {scope or 'Entra ID'}"
        page = send_arm(self._client, self._env, HttpRequest("GET", self._url(scope)), what, (200,)).json()
        return [Setting.from_body(scope, body) for body in page.get("value") or []]

    def put_setting(self, setting: Setting) -> None:
        self._put_raw(setting.scope, setting.name, setting.body())

    def _put_raw(self, scope: str, name: str, body: Json) -> None:
        what = f"writing diagnostic setting {name} of {scope or 'Entra ID'}"
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


def read_live(store: SourcesStore, scopes: list[str]) -> LiveSources:
    return LiveSources({scope: store.settings(scope) for scope in scopes}, store.retention())
