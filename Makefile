# Stepcare: the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
PG_URL ?= postgresql://postgres@localhost:5432/stepcare
export STEPCARE_ENV ?= development
SMOKE_PG_URL ?= postgresql://postgres@localhost:5432/stepcare_smoke

.DEFAULT_GOAL := help
.PHONY: help run test test-postgres test-browser lint fmt check-migrations bench bench-load bench-audit install assets chromium pango demo clean ci smoke-prod pg-client

help: ## list the targets (this text)
	@echo "Stepcare: make <target>"
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-zA-Z_-]+):.*## (.*)$$/\1\t\2/' | \
	  awk -F '\t' '{ printf "  %-16s %s\n", $$1, $$2 }'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# The pinned versions in requirements.lock first (ADR 0018), then Stepcare itself without
# resolving again; the ranges stay in pyproject.toml (`make lock` re-pins them).
$(VENV)/.installed: pyproject.toml requirements.lock | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e '.[dev]'
	touch $@

install: $(VENV)/.installed ## create .venv and install Stepcare with its tools

stepcare/static/vendor/.built: frontend/package.json frontend/package-lock.json frontend/build.mjs
	cd frontend && npm ci --no-audit --no-fund --silent && node build.mjs
	touch $@

assets: stepcare/static/vendor/.built frontend/node_modules/axe-core/axe.min.js ## build the NHS.UK design-system assets (needs Node.js)

# axe-core, which the browser tests inject into every page they visit (a development dependency).
frontend/node_modules/axe-core/axe.min.js: frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund --silent
	touch $@

chromium: ## Debian's Chromium for the browser tests (installed with apt-get when run as root)
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null); \
	  else echo "The browser tests need Debian's Chromium: sudo apt-get install chromium"; exit 1; fi; }

pango: ## the Pango text library WeasyPrint draws PDF letters with (apt-get when run as root)
	@ldconfig -p 2>/dev/null | grep -q 'libpango-1.0' || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core >/dev/null); \
	  else echo "PDF letters need Pango: sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0"; exit 1; fi; }

run: install assets pango ## install, create the database, load the demo service and serve it
	$(BIN)/stepcare migrate --no-input -v0
	$(BIN)/stepcare demo --if-empty
	@echo "Stepcare is at http://127.0.0.1:$(PORT)/ (Ctrl-C to stop)"
	DEBUG=true $(BIN)/stepcare runserver 127.0.0.1:$(PORT)

demo: install ## reload the demo service from scratch (development only)
	$(BIN)/stepcare migrate --no-input -v0
	$(BIN)/stepcare demo --reset

test: install assets chromium pango ## the whole suite on SQLite, with the coverage floor (COVERAGE_FLOOR)
	STEPCARE_ENV=test $(BIN)/pytest --cov --cov-report=term --cov-fail-under=$(COVERAGE_FLOOR)

test-postgres: install assets chromium pango pg-client ## the whole suite on PostgreSQL (PG_URL)
	STEPCARE_ENV=test DATABASE_URL=$(PG_URL) $(BIN)/pytest

test-browser: install assets chromium pango ## only the browser journeys (headless Chromium)
	STEPCARE_ENV=test $(BIN)/pytest -m browser

pg-client: ## PostgreSQL's client tools (pg_dump, pg_restore, psql) for backups (apt-get when root)
	@command -v pg_dump >/dev/null && command -v pg_restore >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-client >/dev/null); \
	  else echo "Backups on PostgreSQL need its client tools: sudo apt-get install postgresql-client"; exit 1; fi; }

smoke-prod: install assets pg-client ## a production-like stack on loopback (PostgreSQL, Redis, gunicorn over TLS, Celery), driven as a user
	SMOKE_PG_URL=$(SMOKE_PG_URL) $(BIN)/python scripts/smoke_prod.py

ci: ## what CI runs: lint, both suites, then the production smoke (.ci/run)
	.ci/run

lint: install ## ruff, mypy and the migrations check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/stepcare makemigrations --check --dry-run
	$(BIN)/python tools/dependency_audit.py

check-migrations: install ## fail if a model change has no migration
	$(BIN)/stepcare makemigrations --check --dry-run

fmt: install ## format and fix what ruff can
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install ## speed and memory figures (see bench/)
	@for b in bench/bench_*.py; do echo "== $$b"; STEPCARE_ENV=test $(BIN)/python $$b || exit 1; done

# Each page of the load mix timed inside the server at two sizes (BENCH_SMALL_URL, BENCH_LARGE_URL:
# PostgreSQL databases holding the 1,000-patient and the large demo); without them two small
# SQLite demos (what `make bench` runs).
.PHONY: bench-pages
bench-pages: install ## each page's median time and queries at two service sizes, and the ratio
	STEPCARE_ENV=test $(BIN)/python bench/bench_pages.py $(if $(BENCH_SMALL_URL),--small-url $(BENCH_SMALL_URL)) $(if $(BENCH_LARGE_URL),--large-url $(BENCH_LARGE_URL))

BENCH_LOAD_ARGS ?= --rate 30 --duration 60
bench-load: install ## load benchmark: gunicorn (2 workers) on loopback against DATABASE_URL=postgresql://… holding the demo
	@test -n "$(DATABASE_URL)" || { echo "Say which database: make bench-load DATABASE_URL=postgresql://postgres@localhost:5432/stepcare"; exit 2; }
	$(BIN)/python bench/load.py --serve --database-url "$(DATABASE_URL)" $(BENCH_LOAD_ARGS)
# The information-governance officer's pages over a long audit trail: tops the trail of
# DATABASE_URL (a benchmark database holding the demo) up to BENCH_AUDIT_EVENTS synthetic events.
BENCH_AUDIT_EVENTS ?= 1000000
.PHONY: bench-audit
bench-audit: install ## the audit search and access log over a trail of BENCH_AUDIT_EVENTS events (PostgreSQL)
	@test -n "$(DATABASE_URL)" || { echo "Say which database: make bench-audit DATABASE_URL=postgresql://postgres@localhost:5432/stepcare_large"; exit 2; }
	$(BIN)/python bench/audit_trail.py --database-url "$(DATABASE_URL)" --events $(BENCH_AUDIT_EVENTS)
# The KPI dashboard on the large demo service (built on first run, about 120,000 referrals), on
# PostgreSQL: DATABASE_URL=postgresql://… make bench-reporting (default BENCH_PG_URL).
BENCH_PG_URL ?= postgresql://postgres@localhost:5432/stepcare_large
.PHONY: bench-reporting
bench-reporting: install ## dashboard speed on the large demo (PostgreSQL) and its figures against measures classify
	STEPCARE_ENV=test DATABASE_URL=$${DATABASE_URL:-$(BENCH_PG_URL)} $(BIN)/python bench/reporting_scale.py

clean: ## remove .venv, node_modules and built assets
	rm -rf $(VENV) frontend/node_modules stepcare/static/vendor staticfiles

# Security: a long hostile-input sweep of every form and query parameter (CI runs a short one).
FUZZ_EXAMPLES ?= 200
.PHONY: fuzz audit-deps
fuzz: install ## hypothesis sweep of every page with hostile values; FUZZ_EXAMPLES per page
	STEPCARE_ENV=test STEPCARE_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest tests/integration/security/test_fuzz.py -q

audit-deps: install ## known vulnerabilities in the dependencies (pip-audit; warns when it cannot check)
	$(BIN)/python tools/dependency_audit.py

.PHONY: fuzz-api
fuzz-api: install ## a large schemathesis run against the REST API's OpenAPI schema (no server errors)
	STEPCARE_ENV=test STEPCARE_API_FUZZ_EXAMPLES=$${STEPCARE_API_FUZZ_EXAMPLES:-300} $(BIN)/pytest -q tests/integration/api/test_schemathesis.py

# Reproducible installs (ADR 0018) and the coverage floor (ADR 0019 on the layout it covers).
# The floor on stepcare/measures, actions and selectors, measured over the whole suite (96% when
# it was set, rounded down to leave room for a branch or two); raise it, never lower it.
COVERAGE_FLOOR ?= 94
.PHONY: lock coverage
lock: | $(BIN)/python ## re-pin requirements.lock from the ranges in pyproject.toml (pip-tools)
	$(BIN)/pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --extra dev --strip-extras --no-emit-index-url --no-emit-find-links \
	  --output-file requirements.lock pyproject.toml

coverage: install ## the unit tests' coverage of the measures core, actions and selectors (a quick look; make test enforces the floor)
	STEPCARE_ENV=test $(BIN)/pytest tests/unit -q -p no:cacheprovider --cov --cov-report=term
