"""`python -m kqlrules.deploy.emulator [PORT] [ACTION_GROUP_ID ...]`: serve the ARM emulator on 127.0.0.1
until interrupted; the action groups given exist (Monitor rules may notify only existing ones)."""

from __future__ import annotations

import contextlib
import sys

from kqlrules.deploy.emulator.server import ArmEmulator


def main() -> None:
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8089
    emulator = ArmEmulator(port=port, action_groups=sys.argv[2:])
    print(
        f'ARM emulator on {emulator.url} (set arm_endpoint = "{emulator.url}" in an environment); its token'
        " for this start is in a file only you can read, where kqlrules deploy finds it",
        flush=True,
    )
    with contextlib.suppress(KeyboardInterrupt):
        emulator.serve_forever()


if __name__ == "__main__":
    main()
