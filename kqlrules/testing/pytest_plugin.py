"""pytest plugin (entry point `pytest11`): every detection test case is a pytest item.

`pytest` in a detection repository then runs the same cases as `kqlrules test`, with pytest's JUnit
output, `-k`, `-x` and xdist. Collection is opt-in so that installing kqlrules never changes another
project's test run: it is on with `--kqlrules`, with `kqlrules = true` in the pytest ini, or by itself
when the rootdir is a detection repository (it has `queries/` and `kqlrules.toml`); `kqlrules = false`
turns it off even then.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from kqlrules.errors import KqlrulesError

if TYPE_CHECKING:
    from kqlrules.rules import LoadedDetection
    from kqlrules.testing.cases import TestCase
    from kqlrules.testing.runner import CaseResult, TestSession

# pytest imports this module in every project where kqlrules is installed: the loader, the engine and the
# analyzer are imported only once detection cases are actually collected.
TESTS_SUFFIX = ".tests.yaml"

_STATE = pytest.StashKey["_RunState"]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("kqlrules", "kqlrules detection test cases")
    group.addoption(
        "--kqlrules",
        action="store_true",
        default=False,
        help="collect detection test cases (queries/**/*.tests.yaml) as test items",
    )
    group.addoption("--kqlrules-repo", default=None, help="detection repository root (default: the rootdir)")
    parser.addini("kqlrules", "collect detection test cases: true, false or auto (default)", default="auto")
    parser.addini("kqlrules_repo", "detection repository root, relative to the rootdir", default="")


def _enabled(config: pytest.Config) -> bool:
    if config.getoption("kqlrules"):
        return True
    setting = str(config.getini("kqlrules")).strip().lower()
    if setting in ("true", "1", "yes", "on"):
        return True
    if setting in ("false", "0", "no", "off"):
        return False
    root = _repo_root(config)
    return (root / "queries").is_dir() and (root / "kqlrules.toml").is_file()


def _repo_root(config: pytest.Config) -> Path:
    option = config.getoption("kqlrules_repo") or config.getini("kqlrules_repo")
    return (Path(config.rootpath) / option).resolve() if option else Path(config.rootpath)


class _RunState:
    """One repository, schema set, analyzer and local engine connection per pytest process."""

    def __init__(self, root: Path) -> None:
        from kqlrules.rules import load_repository
        from kqlrules.testing.cases import tests_path_for
        from kqlrules.testing.local_backend import LocalBackend
        from kqlrules.testing.runner import TestSession
        from kqlrules.testing.session import repository_schemas

        self.repo = load_repository(root)
        schemas = repository_schemas(root)
        self.session: TestSession = TestSession(schemas, LocalBackend(schemas))
        self.now = datetime.now(UTC).replace(microsecond=0)
        self.by_tests_path = {tests_path_for(d.yaml_path).resolve(): d for d in self.repo.detections}


def _state(config: pytest.Config) -> _RunState:
    if _STATE not in config.stash:
        config.stash[_STATE] = _RunState(_repo_root(config))
    return config.stash[_STATE]


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if not file_path.name.endswith(TESTS_SUFFIX) or "fixtures" in file_path.parts:
        return None
    if not _enabled(parent.config):
        return None
    cases_file: pytest.Collector = DetectionCasesFile.from_parent(parent, path=file_path)
    return cases_file


class DetectionCasesFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        from kqlrules.testing.cases import load_test_file
        from kqlrules.testing.errors import UnknownDetection

        state = _state(self.config)
        detection = state.by_tests_path.get(self.path.resolve())
        if detection is None:
            raise CaseCollectionError(
                UnknownDetection(
                    f"test file for unknown detection {self.path.name[: -len(TESTS_SUFFIX)]!r}",
                    hint=f"a test file sits beside its detection: <name>{TESTS_SUFFIX} next to <name>.yaml",
                ),
                self.path,
            )
        try:
            test_file = load_test_file(self.path, default_now=state.now)
        except KqlrulesError as error:
            raise CaseCollectionError(error, self.path) from None
        for case in test_file.cases:
            yield DetectionCase.from_parent(self, name=case.name, detection=detection, case=case)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException]) -> Any:  # type: ignore[override]
        if isinstance(excinfo.value, CaseCollectionError):
            return str(excinfo.value)
        return super().repr_failure(excinfo)


class CaseCollectionError(Exception):
    """A test file pytest cannot collect; shown as its message, not a traceback."""

    def __init__(self, error: KqlrulesError, path: Path) -> None:
        from kqlrules.rules import shown

        super().__init__(str(error) if error.location else f"{shown(path)}: {error}")


class CaseFailed(Exception):
    def __init__(self, result: CaseResult) -> None:
        super().__init__(result.message())
        self.result = result


class DetectionCase(pytest.Item):
    def __init__(self, *, detection: LoadedDetection, case: TestCase, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.detection = detection
        self.case = case
        if case.skip:
            self.add_marker(pytest.mark.skip(reason=case.skip))

    def runtest(self) -> None:
        result = _state(self.config).session.run_case(self.detection, self.case)
        if not result.ok:
            raise CaseFailed(result)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, CaseFailed):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo, style=style))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, max(self.case.location.line - 1, 0), f"{self.detection.key}::{self.case.name}"
