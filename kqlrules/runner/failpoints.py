"""Crash points for tests: `KQLRULES_FAILPOINT=<name>:<n>` kills the process (SIGKILL, as `kill -9` does) the
n-th time the runner passes `<name>`. Unset, a failpoint costs one dictionary lookup.

Points: `query-answered` (a result is in, nothing recorded), `window-committed` (alerts stored, none
delivered), `alert-written` (a sink took an alert, the outbox does not know yet).
"""

from __future__ import annotations

import os
import signal

ENVIRONMENT = "KQLRULES_FAILPOINT"
_armed = os.environ.get(ENVIRONMENT, "")
_name, _, _count = _armed.partition(":")
_remaining = int(_count) if _count.isdigit() else 1


def failpoint(name: str) -> None:
    global _remaining
    if name != _name:
        return
    _remaining -= 1
    if _remaining <= 0:
        os.kill(os.getpid(), signal.SIGKILL)
