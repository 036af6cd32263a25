"""A real PostgreSQL server for the state tests: `initdb` + `pg_ctl` on a free port of 127.0.0.1, trust
authentication for one local user, torn down after the session. `.ci/run` installs the server (the Debian
`postgresql` package); where its binaries are missing the tests that need it skip and say so."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

SKIP_REASON = (
    "no PostgreSQL server binaries (initdb, pg_ctl); `.ci/run` installs the Debian postgresql package"
)


def binaries() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(versions[-1]).parent if versions else None


class PostgresServer:
    def __init__(self, bin_dir: Path) -> None:
        self.bin = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="kqlrules-pg-"))
        self.data = self.root / "data"
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        # PostgreSQL refuses to run as root: as root, run it as the `postgres` user the package creates.
        self._as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self._as:
            os.chmod(self.root, 0o755)
            shutil.chown(self.root, "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "kqlrules", "--auth=trust", "-E", "UTF8")
        self._run(
            "pg_ctl", "-D", str(self.data), "-w", "-l", str(self.root / "log"), "start",
            "-o", f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c max_connections=50",
        )  # fmt: skip
        self.url = f"postgresql://kqlrules@127.0.0.1:{self.port}/postgres"

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run([*self._as, str(self.bin / tool), *args], check=True, capture_output=True, timeout=120)

    def fresh_database(self, name: str) -> str:
        """A new empty database on the server: its URL."""
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as db:
            db.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
        return f"postgresql://kqlrules@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        subprocess.run(
            [*self._as, str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"],
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(self.root, ignore_errors=True)
