# Two commands matter: `make run` (whole local stack with demo data) and `make test`.
# Both install what is missing first; a second run skips what is already installed.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
TASKS_VENV := .venv-tasks

.PHONY: install run test lint format typecheck pytest unit bench clean

install: $(VENV)/.installed $(TASKS_VENV)/.installed node_modules/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --disable-pip-version-check -q -r requirements-dev.txt
	touch $@

# The Tasks emulator pins protobuf<5, which clashes with the Firestore client.
$(TASKS_VENV)/.installed: requirements-tasks-emulator.txt
	$(PYTHON) -m venv $(TASKS_VENV)
	$(TASKS_VENV)/bin/pip install --disable-pip-version-check -q -r requirements-tasks-emulator.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --omit=optional --no-audit --no-fund --loglevel=error
	touch $@

run: install
	$(VENV)/bin/honcho -f Procfile start

test: install lint typecheck pytest

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format:
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

typecheck:
	$(VENV)/bin/mypy

pytest:
	$(VENV)/bin/pytest

unit: $(VENV)/.installed
	$(VENV)/bin/pytest tests/unit

bench: install
	$(VENV)/bin/python -m tools.bench

clean:
	rm -rf $(VENV) $(TASKS_VENV) node_modules .stack .pytest_cache .mypy_cache .ruff_cache
