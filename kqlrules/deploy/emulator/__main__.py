"""`python -m kqlrules.deploy.emulator [PORT] [ACTION_GROUP_ID ...]`: serve the ARM emulator on 127.0.0.1
until interrupted; the action groups given exist (Monitor rules may notify only existing ones)."""

from __future__ import annotations

import contextlib
import signal
import sys

from kqlrules.deploy.emulator.server import ArmEmulator
from kqlrules.errors import KqlrulesError


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # SIGTERM ends it like Ctrl-C: the token file is removed on the way out


def main() -> None:
    argument = sys.argv[1] if len(sys.argv) > 1 else "8089"
    if not argument.isdigit() or int(argument) > 65535:
        sys.exit(f"error: the port must be a number from 0 to 65535, not {argument!r}")
    try:
        emulator = ArmEmulator(port=int(argument), action_groups=sys.argv[2:])
    except OSError as error:
        sys.exit(f"error: cannot listen on 127.0.0.1:{argument}: {error.strerror}")
    try:
        emulator.write_token_file()
    except KqlrulesError as error:
        sys.exit(f"error: {error}")
    print(
        f'ARM emulator on {emulator.url} (set arm_endpoint = "{emulator.url}" in an environment); its token'
        f" for this start is in {emulator.token_file} (readable only by you), where kqlrules deploy finds it",
        flush=True,
    )
    signal.signal(signal.SIGTERM, _interrupt)
    with contextlib.suppress(KeyboardInterrupt):
        emulator.serve_forever()


if __name__ == "__main__":
    main()
