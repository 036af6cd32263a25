"""Random bytes and random structures in every file the CLI reads: detection YAML, templates, test cases,
table files and their schemas, kqlrules.toml, watchlists, Sentinel rules to import and fault settings.
Whatever the file holds, the real CLI either succeeds or exits non-zero with a message: never a traceback.

Each input is one of: random bytes; random text; a random YAML or JSON structure; or a valid file with a
random cut, splice or insertion (the most realistic mistake). Example counts stay small so the suite stays
fast; hypothesis keeps failures it finds in its example database and replays them first."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner, Result

from kqlrules.cli.main import app
from kqlrules.errors import KqlrulesError
from kqlrules.workspace.faults import Faults

# A longer campaign: KQLRULES_FUZZ_EXAMPLES=500 pytest tests/cli/test_input_fuzz.py
EXAMPLES = int(os.environ.get("KQLRULES_FUZZ_EXAMPLES", "25"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

RULE_ID = "0a5c1e00-0000-4000-8000-0000000000f1"
RULE = f"""id: {RULE_ID}
name: Fuzzed sign-ins
severity: Medium
schedule: {{frequency: 5m, period: 5m}}
params: {{threshold: 3, codes: ["50126"], lookback: 1h}}
entities:
  Account: UserPrincipalName
custom_details:
  Result: ResultType
"""
TEMPLATE = """{% import "_macros/common.kql" as common %}
SigninLogs
| where ResultType != "0" {{ common.note("x") }}
| summarize Failures = count() by UserPrincipalName, ResultType
| where Failures >= {{ threshold }} and ResultType in ({{ codes | kql_list }})
"""
MACRO = "{% macro note(text) %}// {{ text }}{% endmacro %}\n"
TESTS = """- name: fires on three failures
  now: 2024-05-01T12:00:00Z
  tables:
    SigninLogs:
      - {TimeGenerated: -3m, UserPrincipalName: ann@contoso.com, ResultType: "50126"}
      - {TimeGenerated: -2m, UserPrincipalName: ann@contoso.com, ResultType: "50126"}
      - {TimeGenerated: -1m, UserPrincipalName: ann@contoso.com, ResultType: "50126"}
  expect: {alerts: 1}
- name: quiet on one
  now: 2024-05-01T12:00:00Z
  tables:
    SigninLogs: [{TimeGenerated: -1m, UserPrincipalName: bob@contoso.com, ResultType: "50126"}]
  expect: {alerts: 0}
"""
CONFIG = """repository = "acme/fuzz"
[params]
threshold = 3
[environments.prod]
subscription = "00000000-0000-0000-0000-000000000000"
resource_group = "rg"
workspace = "law"
targets = ["sentinel"]
[environments.prod.params]
threshold = 5
"""
WATCHLIST = "UserPrincipalName,Purpose\nann@contoso.com,Break glass\n"
WATCHLIST_META = "display_name: Break glass\nsearch_key: UserPrincipalName\n"
TABLE_JSONL = '{"TimeGenerated": "2024-05-01T10:00:00Z", "User": "ann", "Count": 3}\n{"User": "bob"}\n'
TABLE_CSV = "TimeGenerated,User,Count\n2024-05-01T10:00:00Z,ann,3\n,bob,\n"
TABLE_SCHEMA = '{"table": "T", "columns": {"TimeGenerated": "datetime", "User": "string", "Count": "long"}}'
FAULTS = '{"seed": 1, "throttle": 0.1, "script": ["ok", "throttle"], "latency_ms": 5}'
SENTINEL = """id: 0a5c1e00-0000-4000-8000-0000000000f2
name: Imported rule
description: Failed sign-ins.
severity: Medium
requiredDataConnectors:
  - connectorId: AzureActiveDirectory
    dataTypes: [SigninLogs]
queryFrequency: 1h
queryPeriod: 1h
triggerOperator: gt
triggerThreshold: 0
tactics: [CredentialAccess]
relevantTechniques: [T1110]
query: |
  SigninLogs
  | where ResultType != "0"
entityMappings:
  - entityType: Account
    fieldMappings:
      - identifier: FullName
        columnName: UserPrincipalName
version: 1.0.0
kind: Scheduled
"""

STRUCTURES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()
    | st.text(max_size=12)
    | st.sampled_from(["-1h", "5m", "2024-05-01T12:00:00Z", "SigninLogs", "{{ x }}", "[x]", RULE_ID]),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=16,
)


# Nesting deeper than Python's recursion limit: parsers that recurse must refuse it, not crash.
DEEP = st.tuples(st.sampled_from([b"[", b'{"a": ', b"- ", b"a: {"]), st.integers(900, 3000)).map(
    lambda pair: pair[0] * pair[1]
)


def mutated(seed: str) -> st.SearchStrategy[bytes]:
    """The valid `seed` with a random span replaced by random text (a cut, splice or insertion)."""
    data = seed.encode()

    def apply(edit: tuple[int, int, bytes]) -> bytes:
        start, length, insert = edit
        return data[:start] + insert + data[start + length :]

    inserts = st.binary(max_size=12) | st.sampled_from(
        [
            b"{",
            b"}",
            b"[",
            b"]",
            b"{{",
            b"}}",
            b"{%",
            b"%}",
            b":",
            b"- ",
            b"\t",
            b"\x00",
            b"\xff",
            b"&a ",
            b"*a",
        ]
    )
    return st.tuples(st.integers(0, len(data)), st.integers(0, 16), inserts).map(apply)


def restructured(seed: str) -> st.SearchStrategy[bytes]:
    """The valid YAML `seed` with one value, anywhere in it, replaced by a random structure: what the
    schema checks see when a field has the wrong shape."""
    document = yaml.safe_load(seed)
    paths: list[tuple[Any, ...]] = []

    def walk(node: Any, path: tuple[Any, ...]) -> None:
        paths.append(path)
        children = (
            node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
        )
        for key, child in children:
            walk(child, (*path, key))

    walk(document, ())

    def replace(choice: tuple[tuple[Any, ...], Any]) -> bytes:
        path, value = choice
        if not path:
            return yaml.safe_dump(value).encode()
        copy = yaml.safe_load(seed)
        node = copy
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
        return yaml.safe_dump(copy).encode()

    return st.tuples(st.sampled_from(paths), STRUCTURES).map(replace)


def contents(seed: str, as_json: bool = False) -> st.SearchStrategy[bytes]:
    dump: Callable[[Any], str] = (
        (lambda value: json.dumps(value)) if as_json else (lambda value: yaml.safe_dump(value))
    )
    return (
        DEEP
        | st.binary(max_size=200)
        | st.text(max_size=200).map(str.encode)
        | STRUCTURES.map(dump).map(str.encode)
        | mutated(seed)
        | mutated(seed)
        | (restructured(seed) if not as_json and _is_yaml(seed) else mutated(seed))
        | (restructured(seed) if not as_json and _is_yaml(seed) else mutated(seed))
    )


def _is_yaml(seed: str) -> bool:
    try:
        return isinstance(yaml.safe_load(seed), dict | list)
    except yaml.YAMLError:
        return False


def write_repo(root: Path) -> Path:
    folder = root / "queries" / "identity"
    folder.mkdir(parents=True, exist_ok=True)
    (root / "queries" / "_macros").mkdir(exist_ok=True)
    (root / "queries" / "_macros" / "common.kql").write_text(MACRO)
    (folder / "fuzzed.yaml").write_text(RULE)
    (folder / "fuzzed.kql").write_text(TEMPLATE)
    (folder / "fuzzed.tests.yaml").write_text(TESTS)
    (root / "kqlrules.toml").write_text(CONFIG)
    (root / "watchlists").mkdir(exist_ok=True)
    (root / "watchlists" / "breakglass.csv").write_text(WATCHLIST)
    (root / "watchlists" / "breakglass.yaml").write_text(WATCHLIST_META)
    return root


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_repo(tmp_path_factory.mktemp("fuzz"))


def cli(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def assert_clean(result: Result) -> None:
    """Success, or a non-zero exit with a message; never an exception escaping the CLI."""
    escaped = result.exception is not None and not isinstance(result.exception, SystemExit)
    assert not escaped, f"{type(result.exception).__name__}: {result.exception}\n{result.output}"
    assert "Traceback" not in result.output
    if result.exit_code != 0:
        assert result.output.strip(), "a failure without a message"


def with_file(path: Path, content: bytes, command: Callable[[], Result]) -> None:
    original = path.read_bytes() if path.exists() else None
    path.write_bytes(content)
    try:
        assert_clean(command())
    finally:
        if original is None:
            path.unlink()
        else:
            path.write_bytes(original)


def test_the_seed_repository_is_valid(repo: Path) -> None:
    result = cli("--repo", str(repo), "validate")
    assert result.exit_code == 0, result.output
    result = cli("--repo", str(repo), "render", "fuzzed")
    assert result.exit_code == 0 and "Failures >= 3" in result.output, result.output


@FUZZ
@given(content=contents(RULE))
def test_any_detection_yaml(repo: Path, content: bytes) -> None:
    path = repo / "queries" / "identity" / "fuzzed.yaml"
    with_file(path, content, lambda: cli("--repo", str(repo), "validate"))


TEMPLATE_TOKENS = st.sampled_from(
    ["{{", "}}", "{%", "%}", "{#", "#}", " threshold ", "| kql_timespan", "| kql_string", "| kql_list",
     "(", ")",
     "include ", "import ", '"_macros/common.kql"', '"../../etc/passwd"', " as m ", "macro ", "endmacro",
     "if ", "endif", "for x in ", "endfor", "raw", "endraw", "\n", "'", '"', "none", "1/0", "x.y", "[0]",
     "range(10**9)", "lipsum", "self", "__class__", "SigninLogs | take 1"]
)  # fmt: skip


@FUZZ
@given(
    content=contents(TEMPLATE)
    | st.lists(TEMPLATE_TOKENS | st.text(max_size=4), max_size=25).map(lambda parts: "".join(parts).encode())
)
def test_any_template(repo: Path, content: bytes) -> None:
    path = repo / "queries" / "identity" / "fuzzed.kql"
    with_file(path, content, lambda: cli("--repo", str(repo), "render", "fuzzed"))


@FUZZ
@given(content=contents(MACRO))
def test_any_macro_file(repo: Path, content: bytes) -> None:
    path = repo / "queries" / "_macros" / "common.kql"
    with_file(path, content, lambda: cli("--repo", str(repo), "render", "fuzzed"))


@settings(FUZZ, max_examples=max(1, EXAMPLES * 3 // 5))
@given(content=contents(TESTS))
def test_any_tests_yaml(repo: Path, content: bytes) -> None:
    path = repo / "queries" / "identity" / "fuzzed.tests.yaml"
    with_file(path, content, lambda: cli("--repo", str(repo), "test", "fuzzed"))


@FUZZ
@given(content=contents(CONFIG))
def test_any_kqlrules_toml(repo: Path, content: bytes) -> None:
    with_file(
        repo / "kqlrules.toml", content, lambda: cli("--repo", str(repo), "render", "fuzzed", "--env", "prod")
    )


@FUZZ
@given(csv=contents(WATCHLIST), meta=contents(WATCHLIST_META))
def test_any_watchlist(repo: Path, csv: bytes, meta: bytes) -> None:
    folder = repo / "watchlists"
    original = (folder / "breakglass.csv").read_bytes(), (folder / "breakglass.yaml").read_bytes()
    (folder / "breakglass.csv").write_bytes(csv)
    (folder / "breakglass.yaml").write_bytes(meta)
    try:
        assert_clean(cli("--repo", str(repo), "validate"))
    finally:
        (folder / "breakglass.csv").write_bytes(original[0])
        (folder / "breakglass.yaml").write_bytes(original[1])


@settings(FUZZ, max_examples=max(1, EXAMPLES * 3 // 5))
@given(
    name=st.sampled_from(["T.jsonl", "T.csv"]),
    table=contents(TABLE_JSONL, as_json=True) | contents(TABLE_CSV),
    schema=st.none() | contents(TABLE_SCHEMA, as_json=True),
)
@example(name="T.jsonl", table=b"{}\n{}\n", schema=None)  # rows without a column
@example(name="T.jsonl", table=b"", schema=b"\x80")  # a schema file that is not UTF-8
@example(name="T.jsonl", table=b"[" * 3000, schema=None)  # nesting past the recursion limit
def test_any_table_file(
    tmp_path_factory: pytest.TempPathFactory, name: str, table: bytes, schema: bytes | None
) -> None:
    folder = tmp_path_factory.mktemp("tables")
    (folder / name).write_bytes(table)
    if schema is not None:
        (folder / "T.schema.json").write_bytes(schema)
    assert_clean(cli("query", "T | take 3", "--workspace", f"local:{folder}"))


@FUZZ
@given(content=contents(SENTINEL))
@example(content=SENTINEL.replace("  - entityType: Account", "  - null\n  - entityType: Account").encode())
@example(content=SENTINEL.replace("triggerThreshold: 0", "triggerThreshold: many").encode())
@example(content=SENTINEL.replace("tactics: [CredentialAccess]", "tactics: 3").encode())
def test_any_sentinel_rule_to_import(tmp_path_factory: pytest.TempPathFactory, content: bytes) -> None:
    folder = tmp_path_factory.mktemp("import")
    (folder / "rule.yaml").write_bytes(content)
    (folder / "queries").mkdir()
    assert_clean(cli("--repo", str(folder), "import", "sentinel", str(folder / "rule.yaml")))


@FUZZ
@given(content=contents(FAULTS, as_json=True))
def test_any_fault_settings(tmp_path_factory: pytest.TempPathFactory, content: bytes) -> None:
    # `workspace serve --faults F` reads them with this before it serves (and would then serve forever).
    path = tmp_path_factory.mktemp("faults") / "faults.json"
    path.write_bytes(content)
    try:
        Faults.from_file(path)
    except KqlrulesError as error:
        assert str(error)


def test_workspace_serve_with_bad_fault_settings_exits_1(tmp_path: Path) -> None:
    (tmp_path / "faults.json").write_text("[" * 5000)
    result = cli("workspace", "serve", str(tmp_path), "--faults", str(tmp_path / "faults.json"))
    assert result.exit_code == 1
    assert_clean(result)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "  - entityType: Account",
            "  - null\n  - entityType: Account",
            "entityMappings[0] must be an object",
        ),
        (
            "      - identifier: FullName\n        columnName: UserPrincipalName",
            "      - FullName",
            "must be an object",
        ),
        ("triggerThreshold: 0", "triggerThreshold: many", "triggerThreshold must be a whole number"),
        ("tactics: [CredentialAccess]", "tactics: 3", "tactics must be a list"),
        (
            "dataTypes: [SigninLogs]",
            "dataTypes: SigninLogs",
            "requiredDataConnectors[0].dataTypes must be a list",
        ),
    ],
)
def test_a_sentinel_field_of_the_wrong_shape_is_named(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    assert old in SENTINEL
    (tmp_path / "rule.yaml").write_text(SENTINEL.replace(old, new))
    (tmp_path / "queries").mkdir()
    result = cli("--repo", str(tmp_path), "import", "sentinel", str(tmp_path / "rule.yaml"))
    assert_clean(result)
    assert message in " ".join(result.output.split())


def test_a_table_of_rows_without_columns_counts_its_rows(tmp_path: Path) -> None:
    (tmp_path / "T.jsonl").write_text("{}\n{}\n{}\n")
    result = cli("--format", "json", "query", "T | count", "--workspace", f"local:{tmp_path}")
    assert result.exit_code == 0, result.output
    assert "3" in result.output
