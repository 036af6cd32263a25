"""The rule types kqlrules deploys to, by their name in an environment's `targets`."""

from __future__ import annotations

from kqlrules.deploy.targets.base import Target
from kqlrules.deploy.targets.monitor import MonitorTarget
from kqlrules.deploy.targets.sentinel import SentinelTarget

TARGETS: dict[str, Target] = {"sentinel": SentinelTarget(), "monitor": MonitorTarget()}

__all__ = ["TARGETS", "MonitorTarget", "SentinelTarget", "Target"]
