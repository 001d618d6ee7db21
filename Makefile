# Lohmar Bürgerportal. Quick start: `make run`, then `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
PYTEST_WORKERS ?= auto

.PHONY: run setup test lint format messages check worker beat clean bench

run: setup ## Set up, migrate the embedded database, load the demo data, serve on 127.0.0.1:8000
	$(MANAGE) migrate --noinput
	$(MANAGE) load_demo
	$(MANAGE) runserver 127.0.0.1:8000

setup: $(VENV)/.installed node_modules/.installed locale/.compiled ## Install everything the portal needs

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (set PYTHON=...).")'
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm (Node.js 20 or newer) is needed for the design system's assets."; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

locale/.compiled: $(VENV)/.installed $(wildcard locale/*/LC_MESSAGES/django.po)
	@command -v msgfmt >/dev/null || { echo "GNU gettext (msgfmt) is needed to compile the translations: apt-get install gettext / brew install gettext."; exit 1; }
	$(MANAGE) compilemessages --ignore=$(VENV) --ignore=node_modules -v0
	touch $@

test: setup ## Run the whole test suite (PostgreSQL/Redis/browser tests need DATABASE_URL, REDIS_URL, chromium)
	$(BIN)/pytest -n $(PYTEST_WORKERS)

lint: setup ## ruff, djlint and the migrations check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/djlint templates --lint
	$(MANAGE) makemigrations --check --dry-run

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

messages: setup ## Extract translatable strings into locale/de and locale/en
	$(MANAGE) makemessages -l de -l en --no-obsolete --no-location --ignore=$(VENV) --ignore=node_modules --ignore=bench --ignore=tests
	@# German is the source language: its catalogue is the identity.
	$(BIN)/python locale/identity.py locale/de/LC_MESSAGES/django.po
	@echo "Now translate the new entries in locale/en/LC_MESSAGES/django.po."

check: setup ## Django's system checks
	$(MANAGE) check

bench: $(VENV)/.installed ## Benchmark on PostgreSQL (BENCH_DATABASE_URL): data, gunicorn, wrk; writes bench/RESULTS.md
	$(BIN)/python bench/run_all.py

worker: setup ## A Celery worker (needs REDIS_URL)
	$(BIN)/celery -A lohmar_portal worker -l INFO

beat: setup ## Celery beat, the scheduler (needs REDIS_URL)
	$(BIN)/celery -A lohmar_portal beat -l INFO

clean:
	rm -rf $(VENV) node_modules locale/.compiled staticfiles
