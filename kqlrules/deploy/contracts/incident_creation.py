"""Sentinel `MicrosoftSecurityIncidentCreation` rules.

[swagger] securityinsights 2025-09-01 / 2025-07-01-preview AlertRules.json:
MicrosoftSecurityIncidentCreationAlertRuleProperties requires displayName, enabled and productFilter (one of
MicrosoftSecurityProductName); severitiesFilter items are AlertSeverityEnum. [CI] name <= 256 and
description <= 5000 characters, as for every Sentinel rule (AnalyticsTemplateInternalModelBase).
"""

from __future__ import annotations

from kqlrules.deploy.contracts.violation import ContractViolation
from kqlrules.deploy.ownership import Ownership, with_marker
from kqlrules.rules import PRODUCTS, IncidentCreationRule

TARGET = "sentinel"
MAX_TITLE, MAX_DESCRIPTION = 256, 5000


def check(rule: IncidentCreationRule, owner: Ownership) -> list[ContractViolation]:
    found = []
    if rule.product not in PRODUCTS:
        found.append(
            ContractViolation(
                TARGET,
                "incident-product",
                f"product {rule.product!r} is not one of {', '.join(PRODUCTS)}",
                ("product",),
            )
        )
    if len(rule.name) > MAX_TITLE:
        found.append(
            ContractViolation(
                TARGET,
                "title-length",
                f"name is {len(rule.name)} characters; Sentinel's limit is {MAX_TITLE}",
                ("name",),
            )
        )
    described = with_marker(rule.description, owner)
    if len(described) > MAX_DESCRIPTION:
        found.append(
            ContractViolation(
                TARGET,
                "description-length",
                f"description is {len(described)} "
                f"characters with the ownership marker; Sentinel's limit is "
                f"{MAX_DESCRIPTION}",
                ("description",),
            )
        )
    for index, name in enumerate(rule.display_names.include + rule.display_names.exclude):
        if not name.strip():
            key = "include" if index < len(rule.display_names.include) else "exclude"
            found.append(
                ContractViolation(
                    TARGET,
                    "incident-display-name",
                    "an empty alert display name matches nothing",
                    ("display_names", key),
                )
            )
    return found
