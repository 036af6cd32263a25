# The two commands of the README: `make demo` and `make test`. Both install what they need first.
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3

.PHONY: setup demo test lint-code

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

test: lint-code
	$(VENV)/bin/pytest -q -n 2 --dist worksteal
