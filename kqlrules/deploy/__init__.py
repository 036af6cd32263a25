"""kqlrules.deploy: plan, apply, prune, export and drift of detections as Azure rules.

Inputs are `Deployable(detection, rendered_query)` pairs (`deployables(repository)` makes them), so this
room does not depend on how a repository is loaded. What each target accepts is
`check_detection(item, target, repository=..., facts=query_facts(item.query, schemas))`
(kqlrules/deploy/contracts/), which `preflight` runs before any call.
"""

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
from kqlrules.deploy.deployable import Deployable, deployable, deployables
from kqlrules.deploy.environment import Environment, environment_from_config, environment_from_table
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

__all__ = [
    "Action",
    "ApplyReport",
    "ArmError",
    "Change",
    "ConcurrencyConflict",
    "ContractViolation",
    "Deployable",
    "Environment",
    "FieldChange",
    "LiveRule",
    "Outcome",
    "Plan",
    "PreflightError",
    "QueryFacts",
    "RuleStore",
    "apply_plan",
    "arm_pipeline_client",
    "build_plan",
    "check_detection",
    "deployable",
    "deployables",
    "deploys_to",
    "drift",
    "environment_from_config",
    "environment_from_table",
    "open_stores",
    "preflight",
    "query_facts",
    "send_arm",
]
