# The two commands of the README: `make demo` and `make test`. Both install what they need first.
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3

.PHONY: setup demo test test-fast test-sweeps lint-code

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	@# setuptools warns about every editable install (BuildBackendWarning); nothing for a user to act on.
	PYTHONWARNINGS=ignore $(PY) -m pip install --quiet -e '.[dev]'
	$(VENV)/bin/kqlrules setup
	touch $@

demo: setup
	$(VENV)/bin/kqlrules demo

lint-code: setup
	$(VENV)/bin/ruff check kqlrules tests $(wildcard benchmarks)
	$(VENV)/bin/mypy kqlrules

# The whole suite in two steps: everything but the whole-corpus sweeps (a few minutes), then the sweeps
# (marked `sweep`: every Sentinel rule of ../shared linted, imported and run on the engine, every documented
# Kusto example, every story and window of the sample week, every case of the pack and the pack deployed).
# Both always run; `make test-fast` is the first step alone, for the edit-test loop. worksteal: an idle
# worker takes tests from the other's queue, and tests/conftest.py puts the long poles first.
test: lint-code
	$(VENV)/bin/pytest -q -n 2 --dist worksteal -m "not sweep"
	$(VENV)/bin/pytest -q -n 2 --dist worksteal -m sweep

test-fast: lint-code
	$(VENV)/bin/pytest -q -n 2 --dist worksteal -m "not sweep"

test-sweeps: setup
	$(VENV)/bin/pytest -q -n 2 --dist worksteal -m sweep
