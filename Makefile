# The project's entry points. `make demo` and `make test` work on a machine that has never seen it.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_DATABASE_URL ?=
export TEST_DATABASE_URL

.PHONY: install test test-sqlite test-postgres check lint types format demo demo-oprf browser clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,matcher,keyservice]'
	touch $(STAMP)

install: $(STAMP)

# Debian's chromium for the browser tests (never `playwright install`: it downloads a browser).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is missing: sudo apt-get install -y chromium (browser tests will be skipped)"; fi; }

test: install browser
	$(BIN)/python -m pytest -n 2 -p no:cacheprovider --ignore=tests/test_demo_canary.py $(PYTEST_ARGS)
	# the demonstrations start their own servers and CLI processes: run them in a process of their own
	$(BIN)/python -m pytest -p no:cacheprovider tests/test_demo_canary.py $(PYTEST_ARGS)

check: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(MAKE) test

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: install
	$(BIN)/mypy

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

demo: install
	$(BIN)/python -m matcher.demo $(DEMO_ARGS)

demo-oprf: install
	$(BIN)/python -m matcher.demo --scheme oprf $(DEMO_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache demo-data
