"""The scheduled runner: detections on schedule against a workspace, alerts into sinks, state in SQLite.

See `kqlrules.runner.runner` for how windows reach queries and how crashes are survived.
"""

from kqlrules.runner.alerts import Alert, TriggerEvaluation, evaluate, suppressed_by
from kqlrules.runner.clock import Clock, SimulatedClock, SystemClock
from kqlrules.runner.limits import Limits, backoff
from kqlrules.runner.logs import configure, event
from kqlrules.runner.quiet import QuietWindows
from kqlrules.runner.runner import Runner, RunnerConfig, RunSummary, ScheduledDetection
from kqlrules.runner.schedule import DEFAULT_DELAY, Window, first_end, window_ending
from kqlrules.runner.sinks import SINKS, DeliveryFailed, FileSink, Sink, open_sink, open_sinks, register_sink
from kqlrules.runner.state import DetectionStatus, RunnerState
from kqlrules.runner.store import StateStore, is_database_url, open_state, shown_state
from kqlrules.runner.templates import WindowTemplate

__all__ = [
    "DEFAULT_DELAY",
    "SINKS",
    "Alert",
    "Clock",
    "DeliveryFailed",
    "DetectionStatus",
    "FileSink",
    "Limits",
    "QuietWindows",
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
    "backoff",
    "configure",
    "evaluate",
    "event",
    "first_end",
    "is_database_url",
    "open_sink",
    "open_sinks",
    "open_state",
    "register_sink",
    "shown_state",
    "suppressed_by",
    "window_ending",
]
