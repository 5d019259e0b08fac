# FLO Portal — `make run` serves the demo; `make test` runs the whole suite.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask
export FLASK_APP := wsgi
HOST ?= 127.0.0.1
PORT ?= 5000
# Every link in mail and .ics files starts with PUBLIC_BASE_URL; make run sets it to the
# address it serves on unless it is given.
RUN_BASE_URL = $(or $(PUBLIC_BASE_URL),http://$(HOST):$(PORT))

TOOLS ?= .venv-tools
LOCK := requirements.lock
TEST_LOCK := requirements-test.lock

.PHONY: run serve serve-prod test test-pg lint fmt bench bench-load wrk chromium pango install \
	install-test clean lock audit-deps typecheck tools xmlsec

$(VENV)/bin/python:
	python3 -m venv $(VENV)

# Installs come from the hashed lock files only (pip refuses a file whose hash differs).
$(VENV)/.installed: $(LOCK) | $(VENV)/bin/python
	@if command -v uv >/dev/null 2>&1; then uv pip install -q --python $(PY) --require-hashes -r $(LOCK); \
	else $(PY) -m pip install -q --disable-pip-version-check --require-hashes -r $(LOCK); fi
	@touch $@

$(VENV)/.installed-test: $(TEST_LOCK) $(VENV)/.installed
	@if command -v uv >/dev/null 2>&1; then uv pip install -q --python $(PY) --require-hashes -r $(TEST_LOCK); \
	else $(PY) -m pip install -q --disable-pip-version-check --require-hashes -r $(TEST_LOCK); fi
	@touch $@

# Supply-chain tools (pip-tools, pip-audit) in a venv of their own, off the app's lock.
$(TOOLS)/.installed: requirements-tools.txt
	python3 -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install -q --disable-pip-version-check -r requirements-tools.txt
	@touch $@
tools: $(TOOLS)/.installed

## lock: re-resolve pyproject.toml into the hashed lock files (from the public index only)
lock: tools
	env -u PIP_FIND_LINKS PIP_CONFIG_FILE=/dev/null $(TOOLS)/bin/pip-compile --quiet --generate-hashes \
	  --strip-extras --allow-unsafe --no-emit-index-url -o $(LOCK) pyproject.toml
	env -u PIP_FIND_LINKS PIP_CONFIG_FILE=/dev/null $(TOOLS)/bin/pip-compile --quiet --generate-hashes \
	  --strip-extras --allow-unsafe --no-emit-index-url --extra test -o $(TEST_LOCK) pyproject.toml

## audit-deps: pip-audit the lock files; passes with a warning only when the advisory
## service cannot be reached (any vulnerability found fails)
audit-deps: tools
	$(TOOLS)/bin/python scripts/audit_deps.py $(LOCK) $(TEST_LOCK)

## typecheck: mypy on security/, auth/, api/ and audit/ (settings in pyproject.toml)
typecheck: install-test
	$(VENV)/bin/mypy

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

## run: install, migrate, seed the demo once, start the scheduler and serve on http://127.0.0.1:5000
run: install pango xmlsec
	@mkdir -p instance
	$(FLASK) db upgrade heads
	$(FLASK) seed-demo --if-empty
	@echo "Scheduler log: instance/scheduler.log"
	@PUBLIC_BASE_URL=$(RUN_BASE_URL) $(FLASK) scheduler run > instance/scheduler.log 2>&1 & echo $$! > instance/scheduler.pid
	@trap 'kill $$(cat instance/scheduler.pid) 2>/dev/null' EXIT INT TERM; \
	echo "FLO Portal on http://$(HOST):$(PORT)  (sign-ins above)"; \
	echo "Mail is not sent: administrators read it at $(RUN_BASE_URL)/dev/mail/"; \
	PUBLIC_BASE_URL=$(RUN_BASE_URL) $(FLASK) run --host $(HOST) --port $(PORT)

## serve-prod: production mode on this machine: migrate, then gunicorn (deploy/gunicorn.conf.py)
## and one scheduler against DATABASE_URL (PostgreSQL); secrets from the environment.
## Behind nginx see README "Running in production"; systemd units in deploy/systemd.
GUNICORN_BIND ?= 127.0.0.1:8000
PROD_BASE_URL = $(or $(PUBLIC_BASE_URL),http://$(GUNICORN_BIND))
serve-prod: install pango xmlsec
	@test -n "$$DATABASE_URL" || { echo "serve-prod needs DATABASE_URL=postgresql+psycopg://user@host:5432/db (and SECRET_KEY, MFA_ENCRYPTION_KEYS, AUDIT_HMAC_KEY, RATELIMIT_STORAGE_URI=redis://...; see deploy/env.example)"; exit 2; }
	@mkdir -p instance
	FLO_ENV=production $(FLASK) db upgrade heads
	@FLO_ENV=production PYTHONUNBUFFERED=1 PUBLIC_BASE_URL=$(PROD_BASE_URL) $(FLASK) scheduler run > instance/scheduler-prod.log 2>&1 & echo $$! > instance/scheduler-prod.pid
	@echo "Scheduler pid $$(cat instance/scheduler-prod.pid), log instance/scheduler-prod.log"
	@trap 'kill $$(cat instance/scheduler-prod.pid) 2>/dev/null; rm -f instance/scheduler-prod.pid' EXIT INT TERM; \
	FLO_ENV=production PUBLIC_BASE_URL=$(PROD_BASE_URL) GUNICORN_BIND=$(GUNICORN_BIND) $(VENV)/bin/gunicorn -c deploy/gunicorn.conf.py wsgi:app

## chromium: Debian's Chromium for the browser tests (never a downloaded browser)
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) || echo "warning: could not install chromium; browser tests will be skipped"; \
	  else echo "warning: chromium missing and cannot be installed here; browser tests will be skipped"; fi; }

## pango: Debian's Pango and fonts for WeasyPrint (product PDFs)
PANGO_PKGS := libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core
pango:
	@if command -v dpkg >/dev/null 2>&1 && ! dpkg -s $(PANGO_PKGS) >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get install -y -qq $(PANGO_PKGS) >/dev/null 2>&1 \
	      || (apt-get update -qq && apt-get install -y -qq $(PANGO_PKGS) >/dev/null) \
	      || echo "warning: could not install Pango; product PDFs cannot be made"; \
	  else echo "warning: Pango missing and cannot be installed here: apt-get install -y $(PANGO_PKGS)"; fi; \
	fi

## xmlsec: Debian's xmlsec1, which pysaml2 calls to check SAML signatures (SAML sign-in)
xmlsec:
	@if ! command -v xmlsec1 >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get install -y -qq xmlsec1 >/dev/null 2>&1 \
	      || (apt-get update -qq && apt-get install -y -qq xmlsec1 >/dev/null) \
	      || echo "warning: could not install xmlsec1; SAML sign-in cannot check signatures"; \
	  else echo "warning: xmlsec1 missing and cannot be installed here: apt-get install -y xmlsec1"; fi; \
	fi

## test: install what the tests need and run the whole suite (TEST_DATABASE_URL for PostgreSQL)
test: install-test chromium pango xmlsec
	$(PY) -m pytest $(PYTEST_ARGS)

test-pg:
	TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test $(MAKE) test

lint: install-test
	$(VENV)/bin/ruff check flo_portal tests bench deploy scripts config.py wsgi.py
	$(VENV)/bin/ruff format --check flo_portal tests bench deploy scripts config.py wsgi.py
	$(MAKE) --no-print-directory typecheck audit-deps

fmt: install-test
	$(VENV)/bin/ruff format flo_portal tests bench deploy scripts config.py wsgi.py
	$(VENV)/bin/ruff check --fix flo_portal tests bench deploy scripts config.py wsgi.py

# Every bench/*.py module; the load benchmark is the bench/load/ package, started only by bench-load.
bench: install-test
	@for b in bench/*.py; do [ "$$(basename $$b)" = "__init__.py" ] || $(PY) -m bench.$$(basename $$b .py); done

## wrk: Debian's wrk for the load benchmark
wrk:
	@command -v wrk >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get install -y -qq wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk >/dev/null); \
	  else echo "wrk is missing: apt-get install -y wrk"; exit 2; fi; }

## bench-load: the load benchmark (issue 12) on PostgreSQL and SQLite; tables in bench/RESULTS.md
## (BENCH_FULL=1: 3 runs of 8 s per page and a 5-minute mixed scenario; BENCH_SCALE=0.1; BENCH_DB=sqlite)
bench-load: install-test wrk
	$(PY) -m bench.load $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(TOOLS) instance/flo_portal.sqlite
