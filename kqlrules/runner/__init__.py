"""The scheduled runner: detections on schedule against a workspace, alerts into sinks, state in SQLite.

See `kqlrules.runner.runner` for how windows reach queries and how crashes are survived.
"""

from kqlrules.runner.alerts import Alert, TriggerEvaluation, evaluate
from kqlrules.runner.clock import Clock, SimulatedClock, SystemClock
from kqlrules.runner.limits import Limits
from kqlrules.runner.runner import Runner, RunnerConfig, RunSummary, ScheduledDetection
from kqlrules.runner.schedule import DEFAULT_DELAY, Window
from kqlrules.runner.sinks import SINKS, DeliveryFailed, Sink, open_sink, register_sink
from kqlrules.runner.state import DetectionStatus, RunnerState
from kqlrules.runner.store import StateStore, open_state
from kqlrules.runner.templates import WindowTemplate

__all__ = [
    "DEFAULT_DELAY",
    "SINKS",
    "Alert",
    "Clock",
    "DeliveryFailed",
    "DetectionStatus",
    "Limits",
    "RunSummary",
    "Runner",
    "RunnerConfig",
    "RunnerState",
    "ScheduledDetection",
    "SimulatedClock",
    "Sink",
    "StateStore",
    "SystemClock",
    "TriggerEvaluation",
    "Window",
    "WindowTemplate",
    "evaluate",
    "open_sink",
    "open_state",
    "register_sink",
]
