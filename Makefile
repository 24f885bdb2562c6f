# Samverkansregistret – see README.md. Every target works from a fresh clone.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed

# Development defaults; set DJANGO_DEBUG=0 and a real DJANGO_SECRET_KEY in production.
DJANGO_DEBUG ?= 1
export DJANGO_DEBUG

.PHONY: setup run test lint clean-db bench bench-datasette bench-api bench-admin bench-import bench-pdf bench-search bench-load topology

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

# axe-core for the accessibility test (package.json pins it; nothing is loaded at run time).
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

## setup: install, start the database, migrate, load reference data, examples and demo users
setup: $(INSTALLED) node_modules/.installed
	$(PY) manage.py setup_registry

## run: setup, then serve http://127.0.0.1:8000 (another port: make run PORT=8001)
PORT ?= 8000
run: setup
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

## test: the test suite, in its own throwaway test database (never DATABASE_URL's data)
test: $(INSTALLED) node_modules/.installed
	$(PY) -m pytest

## lint: ruff, formatting and missing migrations
lint: $(INSTALLED)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

## topology: two gunicorn servers, a worker, Redis and S3 (moto) on this machine, sharing
## PostgreSQL: a change, a throttle count, a PDF and an attachment seen from both servers.
## Needs redis-server (apt-get install redis-server; .ci/run installs it).
topology: $(INSTALLED)
	$(PY) -m pytest tests/deploy/test_topology.py

## bench: server times of the public pages on a throwaway database of 20,000 agreements
bench: $(INSTALLED)
	$(PY) -m benchmarks.public_pages

## bench-datasette: the public catalogue beside Datasette (in a venv of its own in var/) on the
## same 20,000 agreements exported to SQLite with FTS5: the same questions over HTTP, alternating
bench-datasette: $(INSTALLED)
	$(PY) -m benchmarks.datasette

## bench-api: API times and the memory of a 100,000-row CSV export, on a throwaway database
bench-api: $(INSTALLED)
	$(PY) -m benchmarks.api

## bench-pdf: the Norrbotten agreement's PDF cold (layout and writing apart) and cached, and a
## synthetic agreement of about 40 pages, on the database of `make setup` (changes nothing)
bench-pdf: setup
	$(PY) -m benchmarks.pdf_render

## bench-admin: queries and time of staff writes (save one commitment, revise) and of every
## staff page of issue 13 (the agreement's head and part pages, history, follow-up head and
## part pages, reception table, start pages: p50/p95, CPU, KB, load) at the Norrbotten
## agreement and at a synthetic one of 20 parties and 200 commitments, on a throwaway database
bench-admin: $(INSTALLED)
	$(PY) -m benchmarks.admin

## bench-load: gunicorn (production settings) under a mixed load at 1, 8 and 16 clients, then a
## database restart under load; its own throwaway PostgreSQL and data (BENCH_SECONDS=10: a short run)
BENCH_SECONDS ?= 30
bench-load: $(INSTALLED)
	$(PY) -m benchmarks.load --seconds $(BENCH_SECONDS)

## bench-import: preview and save of an import file of 1,000 agreements with 10 parties and 10
## commitments each, with peak memory (IMPORT_AGREEMENTS=100: a smaller file)
IMPORT_AGREEMENTS ?= 1000
bench-import: $(INSTALLED)
	$(PY) -m benchmarks.imports --agreements $(IMPORT_AGREEMENTS)

## bench-search: recall@10 and MRR of the search over tests/search/queries.json (examples)
bench-search: setup
	$(PY) -m benchmarks.search_relevance

## clean-db: delete the embedded database in var/pgdata (stop `make run` first)
clean-db:
	rm -rf var/pgdata var/run
