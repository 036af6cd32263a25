"""`python -m kqlrules.deploy.emulator [PORT] [ACTION_GROUP_ID ...]`: serve the ARM emulator on 127.0.0.1
until interrupted; the action groups given exist (Monitor rules may notify only existing ones)."""

from __future__ import annotations

import argparse
import contextlib
import sys

from kqlrules.deploy.emulator.server import ArmEmulator

USAGE_ERROR = 2  # as the kqlrules command line (docs/cli.md, exit codes)


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= port <= 65535:  # 0: any free port
        raise argparse.ArgumentTypeError(f"{port} is not a port number (0 to 65535)")
    return port


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m kqlrules.deploy.emulator",
        description="Serve the ARM emulator (Sentinel and Azure Monitor alert rules, diagnostic settings) on"
        " 127.0.0.1 until interrupted.",
    )
    parser.add_argument("port", nargs="?", type=_port, default=8089, help="port on 127.0.0.1 (default 8089)")
    parser.add_argument(
        "action_groups", nargs="*", metavar="ACTION_GROUP_ID", help="action group resource ids that exist"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    options = parse(sys.argv[1:] if argv is None else argv)
    try:
        emulator = ArmEmulator(port=options.port, action_groups=options.action_groups)
    except OSError as error:  # the port is taken, or not ours to bind
        print(f"error: cannot listen on 127.0.0.1:{options.port}: {error.strerror or error}", file=sys.stderr)
        print("  hint: pick another port (0 for any free one)", file=sys.stderr)
        return 1
    print(
        f'ARM emulator on {emulator.url} (set arm_endpoint = "{emulator.url}" in an environment)', flush=True
    )
    with contextlib.suppress(KeyboardInterrupt):
        emulator.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
