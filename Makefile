# Onepane: two commands.
#
#   make demo   install everything, load the demo channel, serve it at http://127.0.0.1:8000
#   make test   install everything, lint, check migrations, run the whole test suite
#
# Both create .venv (Python 3.11+) and install the project with its dev extras the first time.
# The test database: $DATABASE_URL if set; otherwise PostgreSQL at 127.0.0.1:5432 (user postgres) if one
# answers there; otherwise SQLite. Redis: $REDIS_URL if set, otherwise Redis at 127.0.0.1:6379 if one answers
# (tests marked `services` then run a real Celery worker against it); with neither, those tests are skipped.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
LOCAL_POSTGRES := postgres://postgres@127.0.0.1:5432
CHROMIUM := /usr/bin/chromium
PYTEST_WORKERS ?= 2

.PHONY: help demo test install chromium lint worker beat

help:
	@echo "make demo   install, load the demo, serve http://127.0.0.1:8000 (password: onepane-demo)"
	@echo "make test   install, lint, check migrations, run all tests"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Onepane needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)

$(INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

install: $(INSTALLED)

demo: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py demo
	$(BIN)/python manage.py runserver 127.0.0.1:8000

# The browser tests drive Debian's chromium (Playwright's own browser downloads are not used).
chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing chromium for the browser tests…"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else \
	    echo "The browser tests need $(CHROMIUM): sudo apt-get install chromium" >&2; exit 1; \
	  fi; \
	fi

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache
	DATABASE_URL=sqlite://:memory: $(BIN)/python manage.py makemigrations --check --dry-run

test: install chromium lint
	@if [ -z "$${DATABASE_URL:-}" ]; then \
	  if $(BIN)/python -c "import psycopg2; psycopg2.connect('$(LOCAL_POSTGRES)/postgres', connect_timeout=2).close()" 2>/dev/null; then \
	    export DATABASE_URL=$(LOCAL_POSTGRES)/onepane; \
	  else \
	    export DATABASE_URL=sqlite:///$(CURDIR)/db.sqlite3; \
	  fi; \
	fi; \
	if [ -z "$${REDIS_URL:-}" ] && $(BIN)/python -c "import redis; redis.Redis.from_url('redis://127.0.0.1:6379/0', socket_connect_timeout=2).ping()" 2>/dev/null; then \
	  export REDIS_URL=redis://127.0.0.1:6379/0; \
	fi; \
	echo "Database: $$(echo "$$DATABASE_URL" | sed -E 's#//([^:@/]+):[^@]*@#//\1:***@#')"; \
	echo "Redis: $${REDIS_URL:-none (Celery runs eagerly; tests marked 'services' are skipped)}"; \
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile --create-db

# A Celery worker and beat for the task queue (they need REDIS_URL; the demo runs tasks eagerly without it).
worker: install
	$(BIN)/celery -A portal worker -l INFO

beat: install
	$(BIN)/celery -A portal beat -l INFO
