"""Start-up stays light: `kqlrules --help` and `kqlrules list` must not import the engine, DuckDB, the Azure
SDK, Jinja2 or ruamel (benchmarks/startup.py measures the time; these tests check the cause, not a time).

Each case runs the real command in a fresh interpreter and reads back the modules it imported."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

# What the light commands must leave alone: each costs from tens of milliseconds (Jinja2, ruamel) to
# seconds (DuckDB, the Azure SDK, the engine) of start-up.
HEAVY = (
    "duckdb",
    "azure",
    "numpy",
    "jinja2",
    "ruamel",
    "kqlrules.engine",
    "kqlrules.kusto",
    "kqlrules.lint",
    "kqlrules.deploy",
    "kqlrules.runner",
    "kqlrules.workspace",
    "kqlrules.testing",
)
# `--help` validates and draws nothing: neither pydantic (~0.1 s) nor rich (~30 ms) is needed.
HEAVY_FOR_HELP = (*HEAVY, "pydantic", "rich")

PROBE = textwrap.dedent(
    """
    import contextlib, io, json, sys
    args = json.loads(sys.argv[1])
    sys.argv = ["kqlrules", *args]
    from kqlrules.cli.main import app
    code = 0
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        try:
            app()
        except SystemExit as exit:
            code = exit.code or 0
    print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
    """
)

GOOD_YAML = """\
id: 4d1c5f7e-0f6a-4c1e-9b8e-2f1d3c4b5a69
name: Example detection
severity: High
schedule:
  frequency: 1h
  period: 1h
tactics: [InitialAccess]
params:
  users: [alice]
"""
GOOD_KQL = """\
SigninLogs
| where TimeGenerated > ago({{ lookback | kql_timespan }})
| where UserPrincipalName in ({{ users | kql_list }})
"""


def imported(*args: str) -> tuple[int, set[str]]:
    """The exit code of `kqlrules ARGS` and every module it imported."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(list(args))], capture_output=True, text=True, check=True
    )
    answer = json.loads(done.stdout)
    return answer["code"], set(answer["modules"])


def loaded(modules: set[str], packages: tuple[str, ...]) -> list[str]:
    return sorted(name for name in packages if any(m == name or m.startswith(name + ".") for m in modules))


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    for relative, text in {
        "queries/identity/example.yaml": GOOD_YAML,
        "queries/identity/example.kql": GOOD_KQL,
    }.items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


def test_importing_the_cli_loads_nothing_heavy() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "import json, sys, kqlrules.cli.main; print(json.dumps(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert loaded(set(json.loads(done.stdout)), HEAVY_FOR_HELP) == []


def test_help_loads_nothing_heavy() -> None:
    code, modules = imported("--help")
    assert code == 0
    assert loaded(modules, HEAVY_FOR_HELP) == []


@pytest.mark.parametrize("output", ["text", "json"])
def test_list_loads_nothing_heavy(repo: Path, output: str) -> None:
    code, modules = imported("--repo", str(repo), "list", "--format", output)
    assert code == 0
    assert loaded(modules, HEAVY) == []
    assert "pydantic" in modules  # it did validate the metadata
    assert ("rich" in modules) == (output == "text")  # only the table is drawn with rich


def test_list_of_a_broken_detection_still_reports_it(repo: Path) -> None:
    (repo / "queries/identity/broken.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    (repo / "queries/identity/broken.kql").write_text("SigninLogs\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "kqlrules", "--repo", str(repo), "list", "--format", "json"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0
    assert [row["detection"] for row in json.loads(done.stdout)] == ["identity/example"]
    assert "1 problem(s) hide some detections" in done.stderr


def test_the_probe_sees_a_heavy_import(repo: Path) -> None:
    """The check can fail: `render` needs Jinja2, and the probe reports it."""
    code, modules = imported("--repo", str(repo), "render", "example")
    assert code == 0
    assert loaded(modules, HEAVY) == ["jinja2"]


def test_the_command_table_names_each_command_of_each_module() -> None:
    """`run` imports only COMMAND_HOME[command]: the table must say where every command really is."""
    import importlib

    import typer

    from kqlrules.cli.main import COMMAND_HOME, COMMAND_MODULES

    found: dict[str, str] = {}
    for module in COMMAND_MODULES:
        probe = typer.Typer()
        probe.callback()(lambda: None)
        importlib.import_module(module).register(probe)
        found.update({name: module for name in typer.main.get_command(probe).commands})  # type: ignore[attr-defined]
    assert found == COMMAND_HOME


def test_list_through_the_script_loads_only_its_command_module(repo: Path) -> None:
    code = (
        "import contextlib, io, json, sys\n"
        f"sys.argv = ['kqlrules', '--repo', {str(repo)!r}, 'list', '--format', 'json']\n"
        "from kqlrules.cli.main import run\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        "        run()\n"
        "    except SystemExit:\n"
        "        pass\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('kqlrules.cli.'))))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    modules = set(json.loads(done.stdout))
    assert "kqlrules.cli.authoring" in modules
    assert not modules & {"kqlrules.cli.lint", "kqlrules.cli.deploy", "kqlrules.cli.run", "kqlrules.cli.demo"}


@pytest.mark.parametrize(
    ("args", "command"),
    [
        (["list"], "list"),
        (["--repo", "x", "--format", "json", "list"], "list"),
        (["--repo=x", "lint", "--repo", "y"], "lint"),
        (["--help"], None),
        ([], None),
        (["--repo", "x"], None),
    ],
)
def test_command_name(args: list[str], command: str | None) -> None:
    from kqlrules.cli.main import command_name

    assert command_name(args) == command
