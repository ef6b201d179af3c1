# Two entry points for a fresh machine: `make demo` and `make test`.
# Each creates .venv and installs what it needs; nothing is installed by hand.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: venv demo test lint typecheck check bench clean golden docs

# setup.py and the .pyx: `pip install -e .` compiles the JUnit case reader (see setup.py).
$(STAMP): pyproject.toml sandbox/pyproject.toml setup.py bot/core/reports/formats/_junit_cases.pyx
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]' -e ./sandbox
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/loopwatch demo --dump-state demo-out/state.json

# The suite runs on every core (pytest-xdist): each test has its own databases and ports.
# `make test PYTEST_WORKERS=0` runs it in one process.
PYTEST_WORKERS ?= auto

test: $(STAMP)
	$(BIN)/python -m pytest -q -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

check: lint typecheck test

golden: $(STAMP)
	$(BIN)/python -m pytest -q tests --update-golden

docs: $(STAMP)
	$(BIN)/loopwatch commands --update docs/commands.md

bench: $(STAMP)
	$(BIN)/python bench/parse.py
	$(BIN)/python bench/grouping.py
	$(BIN)/python bench/api_economy.py
	$(BIN)/python bench/upload_memory.py

clean:
	rm -rf $(VENV) demo-out .pytest_cache .mypy_cache .ruff_cache
