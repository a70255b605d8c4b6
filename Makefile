# Reclaim: every command a contributor or CI needs. `make run` and `make test` set up the rest.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
RUN_STAMP := $(VENV)/.run-installed
DEV_STAMP := $(VENV)/.dev-installed

.PHONY: run test check bench install format clean

$(PY):
	@command -v $(PYTHON) >/dev/null || { echo "Reclaim needs Python 3.11 or newer: set PYTHON=python3.x"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(RUN_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $@

$(DEV_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[test,dev]'
	touch $@ $(RUN_STAMP)

install: $(RUN_STAMP)

## The site on http://127.0.0.1:8000 (SQLite; migrates and loads the content first).
run: $(RUN_STAMP)
	$(VENV)/bin/reclaim serve --host 127.0.0.1 --port 8000

## The whole suite, browser tests included (needs Chromium: see README), on every core.
## Each xdist worker has its own test database, its own sites and its own Chromium.
## Bytecode caches are kept even where the environment turns them off (PYTHONDONTWRITEBYTECODE):
## without them every worker and every process a test starts compiles the code again.
## One worker more than there are cores: browser tests wait for pages to go quiet and tests
## wait for the processes they start, and a third worker on 2 cores fills that time. Workers
## steal tests from each other (worksteal), so none sits idle at the end while another still
## has a queue of slow ones.
TEST_WORKERS ?= $(shell $(PYTHON) -c 'import os; print((os.cpu_count() or 1) + 1)')
test: $(DEV_STAMP)
	PYTHONDONTWRITEBYTECODE= $(PY) -m pytest -n $(TEST_WORKERS) --dist worksteal

check: $(DEV_STAMP)
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/reclaim content check

bench: $(DEV_STAMP)
	$(PY) bench/run.py

format: $(DEV_STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
