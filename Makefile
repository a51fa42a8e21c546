# The two commands of the README: `make run` and `make test`.
# Development and tests run with DEBUG on; the settings default to off (production).
export DEBUG ?= 1
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run serve test e2e bench check layers lint clean

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements-dev.txt $(VENV)/.installed
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

## make run: install, migrate the SQLite database, load the demo data, serve on $(HOST):$(PORT)
## with a db_worker beside the server for the background tasks (imports, mails), as in production;
## the worker stops with the server (site/config/management/commands/devserver.py)
run: export TASKS_BACKEND ?= database
run: export SITE_URL ?= http://$(HOST):$(PORT)
run: $(VENV)/.installed
	$(PY) manage.py migrate --noinput -v 0
	$(PY) manage.py collectstatic --noinput -v 0
	$(PY) manage.py seed_demo
	$(PY) manage.py devserver $(HOST):$(PORT)

## make test: the whole test suite (not the browser tests or benchmarks)
test: $(VENV)/.dev-installed
	$(PY) -m pytest -q --ignore=tests/e2e --ignore=tests/bench

## make e2e: browser tests with Playwright driving Debian's chromium
e2e: $(VENV)/.dev-installed
	$(PY) -m pytest -q tests/e2e

## make bench: benchmarks against DATABASE_URL, printing `BENCH <name> <value> <unit>`
bench: $(VENV)/.dev-installed
	$(PY) -m pytest -q -s tests/bench

## make check: Django's system checks, migrations up to date, lint, the layering (import-linter)
check: $(VENV)/.dev-installed
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m ruff check .
	$(MAKE) --no-print-directory layers

## make layers: the import contracts of .importlinter (site/ is on the import path)
layers: $(VENV)/.dev-installed
	PYTHONPATH=site:. $(VENV)/bin/lint-imports

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 db.sqlite3-wal db.sqlite3-shm
