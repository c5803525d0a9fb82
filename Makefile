# DualCare: `make run` starts the demo, `make test` runs the whole suite.
# Needs only Python 3.11 and make; everything else is installed into .venv.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
# Re-installs only when pyproject.toml changes (or the environment is new).
STAMP := $(VENV)/.installed-dualcare
CHROMIUM := /usr/bin/chromium
# pytest-xdist processes for `make test` (auto: one per core). TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= auto

.DEFAULT_GOAL := help
.PHONY: help install run test api-check bench lint format clean-demo

help:
	@echo "make run    start the demo on http://127.0.0.1:8000 (web + Celery worker with beat; logs in var/log/)"
	@echo "make test   run the whole test suite (SQLite; PostgreSQL with DATABASE_URL, Redis with REDIS_URL)"
	@echo "make api-check  serve the demo on a throwaway PostgreSQL database and fuzz the API against its schema"
	@echo "make bench BENCH_DB=dualcare_trust25  serve a copy of that PostgreSQL database as in production and print the trust bench (bench/trust.py)"
	@echo "make lint   ruff check and ruff format --check"
	@echo "make format ruff format and ruff check --fix"
	@echo "make clean-demo  delete the demo database, broker queue and beat schedule under var/"

$(BIN)/python:
	@echo "==> Creating $(VENV) with $(PYTHON)"
	$(PYTHON) -m venv $(VENV)

# pip shows each package as it goes: the first install takes a few minutes.
$(STAMP): pyproject.toml | $(BIN)/python
	@echo "==> Updating pip"
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@echo "==> Installing DualCare and its dependencies into $(VENV) (a few minutes the first time)"
	$(BIN)/python -m pip install --progress-bar off -e '.[dev]'
	@touch $@
	@echo "==> Installed"

install: $(STAMP)

run: $(STAMP)
	@PYTHON=$(BIN)/python bin/run-demo

test: $(STAMP)
	@if [ -x $(CHROMIUM) ]; then \
		echo "Browser tests: using $(CHROMIUM)"; \
	else \
		echo "Browser tests will be SKIPPED: $(CHROMIUM) not found (apt-get install chromium to run them)"; \
	fi
	@if [ -n "$$DATABASE_URL" ]; then echo "Database: DATABASE_URL"; else echo "Database: SQLite"; fi
	@if [ -n "$$REDIS_URL" ]; then echo "Redis tests: REDIS_URL"; else echo "Redis tests will be SKIPPED: REDIS_URL not set"; fi
	@if command -v npm >/dev/null 2>&1; then \
		if [ ! -f tests/oidc/node_modules/.package-lock.json ] || [ tests/oidc/package-lock.json -nt tests/oidc/node_modules/.package-lock.json ]; then \
			echo "==> Installing the tests' OpenID Connect provider (npm ci --prefix tests/oidc)"; \
			npm ci --prefix tests/oidc --no-audit --no-fund --loglevel=error; \
		fi; \
		echo "NHS login tests: a local OpenID Connect provider on Node.js"; \
	else \
		echo "NHS login tests will be SKIPPED: Node.js and npm not found"; \
	fi
	@echo "Test processes: $(TEST_WORKERS) (TEST_WORKERS=0 for one)"
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadscope $(PYTEST_ARGS)

api-check: $(STAMP)
	@PYTHON=$(BIN)/python bin/api-contract-check

# The trust-scale bench (bench/trust.py, README "Benchmarks"): a database name on the local
# PostgreSQL or a postgres:// URL; BENCH_ARGS for the rest (--reps, logins, --skip ...).
BENCH_DB ?= dualcare
BENCH_ARGS ?=
bench: $(STAMP)
	$(BIN)/python bench/trust.py --db $(BENCH_DB) $(BENCH_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean-demo:
	rm -rf var/dualcare.sqlite3 var/broker var/celerybeat-schedule* var/log
