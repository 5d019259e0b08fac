# FLO Portal — `make run` serves the demo; `make test` runs the whole suite.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask
export FLASK_APP := wsgi
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run serve test test-pg lint fmt bench bench-load wrk chromium install install-test clean

$(VENV)/bin/python:
	python3 -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(VENV)/bin/python
	@if command -v uv >/dev/null 2>&1; then uv pip install -q --python $(PY) -r requirements.txt; \
	else $(PY) -m pip install -q --disable-pip-version-check -r requirements.txt; fi
	@touch $@

$(VENV)/.installed-test: requirements.txt requirements-test.txt $(VENV)/.installed
	@if command -v uv >/dev/null 2>&1; then uv pip install -q --python $(PY) -r requirements-test.txt; \
	else $(PY) -m pip install -q --disable-pip-version-check -r requirements-test.txt; fi
	@touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

## run: install, migrate, seed the demo once, start the scheduler and serve on http://127.0.0.1:5000
run: install
	@mkdir -p instance
	$(FLASK) db upgrade heads
	$(FLASK) seed-demo --if-empty
	@echo "Scheduler log: instance/scheduler.log"
	@$(FLASK) scheduler run > instance/scheduler.log 2>&1 & echo $$! > instance/scheduler.pid
	@trap 'kill $$(cat instance/scheduler.pid) 2>/dev/null' EXIT INT TERM; \
	echo "FLO Portal on http://$(HOST):$(PORT)  (sign-ins above)"; \
	$(FLASK) run --host $(HOST) --port $(PORT)

## chromium: Debian's Chromium for the browser tests (never a downloaded browser)
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) || echo "warning: could not install chromium; browser tests will be skipped"; \
	  else echo "warning: chromium missing and cannot be installed here; browser tests will be skipped"; fi; }

## test: install what the tests need and run the whole suite (TEST_DATABASE_URL for PostgreSQL)
test: install-test chromium
	$(PY) -m pytest $(PYTEST_ARGS)

test-pg:
	TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test $(MAKE) test

lint: install-test
	$(VENV)/bin/ruff check flo_portal tests bench config.py wsgi.py
	$(VENV)/bin/ruff format --check flo_portal tests bench config.py wsgi.py

fmt: install-test
	$(VENV)/bin/ruff format flo_portal tests bench config.py wsgi.py
	$(VENV)/bin/ruff check --fix flo_portal tests bench config.py wsgi.py

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
	rm -rf $(VENV) instance/flo_portal.sqlite
