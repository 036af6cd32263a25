"""kqlrules.deploy: plan, apply, prune, export and drift of detections as Azure rules.

Inputs are `Deployable(detection, rendered_query)` pairs (`deployables(repository)` makes them), so this
room does not depend on how a repository is loaded. What each target accepts is
`check_detection(item, target, repository=..., facts=query_facts(item.query, schemas))`
(kqlrules/deploy/contracts/), which `preflight` runs before any call.
"""

from kqlrules.deploy.api_versions import (
    ENTRA_DIAGNOSTIC_SETTINGS,
    INSIGHTS_DIAGNOSTIC_SETTINGS,
    INTUNE_DIAGNOSTIC_SETTINGS,
    SECURITY_AUTOMATIONS,
)
from kqlrules.deploy.apply import ApplyReport, Outcome, apply_plan
from kqlrules.deploy.arm import (
    ArmError,
    ConcurrencyConflict,
    LiveRule,
    RuleStore,
    arm_pipeline_client,
    open_stores,
    send_arm,
)
from kqlrules.deploy.contracts import ContractViolation, QueryFacts, check_detection, deploys_to, query_facts
from kqlrules.deploy.contracts.entities import ENTITY_CONTRACTS
from kqlrules.deploy.contracts.mitre import unmatched_techniques
from kqlrules.deploy.contracts.repository_check import contract_problems, facts_for
from kqlrules.deploy.deployable import Deployable, deployable, deployables
from kqlrules.deploy.emulator import EmulatorCredential
from kqlrules.deploy.environment import (
    Environment,
    arm_credential,
    configured_repository,
    environment_from_config,
    environment_from_table,
    git_origin,
    import_environment,
    require_explicit_repository,
)
from kqlrules.deploy.export import export_arm
from kqlrules.deploy.ownership import owner_from_description, owner_from_tags, repository_identity
from kqlrules.deploy.plan import (
    Action,
    Change,
    FieldChange,
    Plan,
    PreflightError,
    build_plan,
    drift,
    preflight,
)
from kqlrules.deploy.planning import ids_named, plan_deployment
from kqlrules.deploy.render import as_markdown, as_text
from kqlrules.deploy.watchlists import add_watchlists

__all__ = [
    "ENTITY_CONTRACTS",
    "ENTRA_DIAGNOSTIC_SETTINGS",
    "INSIGHTS_DIAGNOSTIC_SETTINGS",
    "INTUNE_DIAGNOSTIC_SETTINGS",
    "SECURITY_AUTOMATIONS",
    "Action",
    "ApplyReport",
    "ArmError",
    "Change",
    "ConcurrencyConflict",
    "ContractViolation",
    "Deployable",
    "EmulatorCredential",
    "Environment",
    "FieldChange",
    "LiveRule",
    "Outcome",
    "Plan",
    "PreflightError",
    "QueryFacts",
    "RuleStore",
    "add_watchlists",
    "apply_plan",
    "arm_credential",
    "arm_pipeline_client",
    "as_markdown",
    "as_text",
    "build_plan",
    "check_detection",
    "configured_repository",
    "contract_problems",
    "deployable",
    "deployables",
    "deploys_to",
    "drift",
    "environment_from_config",
    "environment_from_table",
    "export_arm",
    "facts_for",
    "git_origin",
    "ids_named",
    "import_environment",
    "open_stores",
    "owner_from_description",
    "owner_from_tags",
    "plan_deployment",
    "preflight",
    "query_facts",
    "repository_identity",
    "require_explicit_repository",
    "send_arm",
    "unmatched_techniques",
]
