# Two commands matter: `make run` (whole local stack with demo data) and `make test`.
# Both install what is missing first; a second run skips what is already installed.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
TASKS_VENV := .venv-tasks

.PHONY: install console console-test run test lint format typecheck pytest unit bench soak simulate fuzz \
	clean official-emulator

install: $(VENV)/.installed $(TASKS_VENV)/.installed node_modules/.installed console

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

# The staff console: its own npm packages and lock. Install scripts are skipped: the bundle
# needs none of them (esbuild's binary comes as a package), and @firebase/util's would bake
# a FIREBASE_WEBAPP_CONFIG from the environment into the build.
console/node_modules/.installed: console/package.json console/package-lock.json
	cd console && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

console: console/dist/index.html

console/dist/index.html: console/node_modules/.installed console/build.mjs $(shell find console/src -type f)
	cd console && npm run --silent build

# The console's pure modules (CSV, the bulk-add loop) under node's own test runner.
console-test: console/node_modules/.installed
	cd console && npm test --silent

run: install
	$(VENV)/bin/honcho -f Procfile start

test: install lint typecheck console-test official-emulator pytest

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	cd console && npm run --silent lint

format:
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .
	cd console && npm run --silent format

typecheck:
	$(VENV)/bin/mypy

pytest:
	$(VENV)/bin/pytest

# The integration suite on Google's own Firestore emulator and the rules tests
# (tests/rules-emulator/): needs Java 21 and internet, so here it says it is skipped;
# Cloud Build runs it (cloudbuild.yaml, step official-emulator).
official-emulator: install
	bash tools/official-emulator.sh

unit: $(VENV)/.installed
	$(VENV)/bin/pytest tests/unit

bench: install
	$(VENV)/bin/python -m tools.bench

# A busy day compressed, with faults (not part of `make test`); options: SOAK_ARGS="--callers 8".
soak: install
	$(VENV)/bin/python -m tools.soak $(SOAK_ARGS)

# A simulated week on the production configuration (not part of `make test`; its small run is):
# options: SIM_ARGS="--days 1 --callers 6". Figures in simulate/results.json (docs/simulation.md).
simulate: install
	$(VENV)/bin/python -m tools.simulate $(SIM_ARGS)

# Nightly: schemathesis with 500 generated requests per operation and role, plus its coverage
# cases, on a fresh seed (printed; FUZZ_SEED=N make fuzz replays it). About an hour.
fuzz: install
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-500} FUZZ_PHASES=examples,coverage,fuzzing \
		FUZZ_SEED=$${FUZZ_SEED:-random} $(VENV)/bin/pytest tests/integration/test_fuzz.py \
		--timeout=0 -s -p no:cacheprovider

clean:
	rm -rf $(VENV) $(TASKS_VENV) node_modules console/node_modules console/dist .stack \
		.pytest_cache .mypy_cache .ruff_cache
