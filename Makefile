# The two commands of the README: `make run` and `make test`.
# Development and tests run with DEBUG on; the settings default to off (production).
export DEBUG ?= 1
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# settings.SITE_URL follows the port served on (return URLs of the sandbox gateway, printed logins).
export PORT

.PHONY: run test e2e bench check layers messages clean

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements-dev.txt $(VENV)/.installed
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

## make run: install, migrate the SQLite databases, load the demo data, serve on $(HOST):$(PORT)
## with a db_worker beside the server for the background tasks (imports, mails), as in production;
## the worker stops with the server (site/config/management/commands/devserver.py).
## settings.SITE_URL follows PORT. The gateway sandbox keeps its records in a SQLite file of its own (see the README).
run: export TASKS_BACKEND ?= database
run: export SANDBOX_DATABASE_URL ?= sqlite:///$(CURDIR)/sandbox.sqlite3
run: $(VENV)/.installed
	$(PY) manage.py migrate --noinput -v 0
	$(PY) manage.py migrate --database sandbox --noinput -v 0
	$(PY) manage.py collectstatic --noinput -v 0
	$(PY) manage.py seed_demo
	$(PY) manage.py devserver $(HOST):$(PORT)

## make test: the whole test suite (not the browser tests or benchmarks)
test: $(VENV)/.dev-installed
	$(PY) -m pytest -q --ignore=tests/e2e --ignore=tests/bench

## make e2e: browser tests with Playwright driving Debian's chromium
e2e: $(VENV)/.dev-installed
	$(PY) -m pytest -q tests/e2e

## make bench: benchmarks against DATABASE_URL, printing `BENCH <name> <value> <unit>`, then the ratios
## again together (each measured against its anchor in the same run: comparable across machines and loads)
bench: $(VENV)/.dev-installed
	{ $(PY) -m pytest -q -s --durations=0 tests/bench; echo $$? > .bench.rc; } | tee .bench.out
	@echo; echo "Ratios:"; grep '^BENCH .* ratio$$' .bench.out; status=$$(cat .bench.rc); rm -f .bench.out .bench.rc; exit $$status

## make check: Django's system checks, migrations up to date, lint, the layering (import-linter)
check: $(VENV)/.dev-installed
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(MAKE) --no-print-directory layers

## make layers: the import contracts of .importlinter (site/ is on the import path)
layers: $(VENV)/.dev-installed
	PYTHONPATH=site:. $(VENV)/bin/lint-imports

## make messages: compile locale/*/LC_MESSAGES/*.po to the .mo files Django reads (polib; no GNU gettext)
messages: $(VENV)/.dev-installed
	$(PY) -c "import pathlib, polib; [polib.pofile(str(p)).save_as_mofile(str(p.with_suffix('.mo'))) for p in sorted(pathlib.Path('locale').rglob('*.po'))]"

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 db.sqlite3-wal db.sqlite3-shm sandbox.sqlite3 sandbox.sqlite3-wal sandbox.sqlite3-shm
