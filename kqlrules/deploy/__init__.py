"""kqlrules.deploy: plan, apply, prune, export and drift of detections as Azure rules.

Inputs are `Deployable(detection, rendered_query)` pairs, so this room does not depend on how a
repository is loaded.
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
from kqlrules.deploy.deployable import Deployable
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
    "Deployable",
    "Environment",
    "FieldChange",
    "LiveRule",
    "Outcome",
    "Plan",
    "PreflightError",
    "RuleStore",
    "apply_plan",
    "arm_pipeline_client",
    "build_plan",
    "drift",
    "environment_from_config",
    "environment_from_table",
    "open_stores",
    "preflight",
    "send_arm",
]
