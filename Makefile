# Two entry points for a fresh machine: `make demo` and `make test`.
# Each creates .venv and installs what it needs; nothing is installed by hand.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: venv demo test chaos lint typecheck layers check bench clean golden snapshots docs mermaid

# setup.py and the .pyx: `pip install -e .` compiles the JUnit case reader (see setup.py).
$(STAMP): pyproject.toml sandbox/pyproject.toml setup.py bot/core/reports/formats/_junit_cases.pyx
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]' -e ./sandbox
	touch $(STAMP)

# The sandbox's issue pages draw ```mermaid charts, as github.com does, with a local copy of
# mermaid.js (the pages fetch nothing from outside). Without it they show the charts' source.
MERMAID_JS := .cache/mermaid/node_modules/mermaid/dist/mermaid.min.js

$(MERMAID_JS):
	npm install --prefix .cache/mermaid --no-save --no-audit --no-fund mermaid@11 \
	  || echo "warning: no mermaid.js (npm failed): sandbox pages show Mermaid charts as source"

mermaid: $(MERMAID_JS)

venv: $(STAMP) $(MERMAID_JS)

demo: $(STAMP) $(MERMAID_JS)
	$(BIN)/loopwatch demo --dump-state demo-out/state.json

# The suite runs on every core (pytest-xdist): each test has its own databases and ports.
# `make test PYTEST_WORKERS=0` runs it in one process.
PYTEST_WORKERS ?= auto

test: $(STAMP) $(MERMAID_JS)
	$(BIN)/python -m pytest -q -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# The chaos replay in its full form (tests/chaos/; `make test` runs a reduced one): a clean
# replay and one with GitHub faults and worker SIGKILLs must end in the same GitHub state.
# Needs PostgreSQL. The report is in .cache/chaos/.
CHAOS_RUNS ?= 100
CHAOS_FAULT_RATE ?= 0.3
CHAOS_KILLS ?= 20
CHAOS_SEED ?= 1

chaos: $(STAMP)
	CHAOS_RUNS=$(CHAOS_RUNS) CHAOS_FAULT_RATE=$(CHAOS_FAULT_RATE) CHAOS_KILLS=$(CHAOS_KILLS) \
	  CHAOS_SEED=$(CHAOS_SEED) $(BIN)/python -m pytest -q -p no:randomly -n 0 -s tests/chaos

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

# The import contracts in .importlinter: layers, a pure core, no cycles between siblings.
layers: $(STAMP)
	$(BIN)/lint-imports

check: lint typecheck layers test

golden: $(STAMP)
	$(BIN)/python -m pytest -q tests --update-golden

# Signature snapshot files (tests/signatures/snapshots/v<N>/): only for a version not shipped
# yet, or new examples; a shipped version's lines never change (docs/signatures.md).
snapshots: $(STAMP)
	$(BIN)/python -m pytest -q tests/signatures --update-snapshots

docs: $(STAMP)
	$(BIN)/loopwatch commands --update docs/commands.md

bench: $(STAMP)
	$(BIN)/python bench/parse.py
	$(BIN)/python bench/grouping.py
	$(BIN)/python bench/api_economy.py
	$(BIN)/python bench/upload_memory.py

clean:
	rm -rf $(VENV) demo-out .pytest_cache .mypy_cache .ruff_cache .cache/mermaid
