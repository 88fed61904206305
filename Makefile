# Capacity Market System — every set-up step lives here; README.md's two commands are `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Every package, direct and transitive, pinned with hashes: `make setup` installs exactly this file, CI too.
LOCK := requirements.lock
# The lock is written by uv (a tool venv used only by `make lock`/`make upgrade`), for every Python >= 3.12.
UV_VERSION := 0.13.9
TOOLS := .venv-tools
UV_COMPILE = $(TOOLS)/bin/uv pip compile pyproject.toml --extra dev --universal --python-version 3.12 \
	--generate-hashes --quiet --custom-compile-command 'make lock' -o $(LOCK)
export PIP_DISABLE_PIP_VERSION_CHECK := 1

# A Python >= 3.12: python3.13/python3.12 on PATH, then pyenv's, then python3 if it is new enough.
BASE_PYTHON ?= $(shell for c in python3.13 python3.12 $$HOME/.pyenv/versions/3.13*/bin/python $$HOME/.pyenv/versions/3.12*/bin/python python3; do \
	p=$$(command -v $$c 2>/dev/null) || continue; \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo $$p; break; }; done)

# The database URL: $DATABASE_URL, or the embedded PostgreSQL in .var/pgdata, created and started when needed
# (scripts/ensure_database.py). Commands run by hand without DATABASE_URL find the same server (settings.py).
WITH_DB = export DATABASE_URL="$$($(PY) scripts/ensure_database.py)" && test -n "$$DATABASE_URL" &&

.PHONY: help setup run test lint check test-unit test-browser messages migrate demo worker stop-db clean lock upgrade system-packages need-gettext

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

define NEED_PYTHON
	@if [ -z "$(BASE_PYTHON)" ]; then echo "No Python >= 3.12 found. Install one (e.g. 'pyenv install 3.13' or 'apt-get install python3.13'), or run make BASE_PYTHON=/path/to/python3.12+" >&2; exit 1; fi
endef

# The venv's own pip (the one its Python bundles) installs the lock: with every version and hash fixed and
# --no-deps nothing is resolved, so the pip version does not change what gets installed.
$(STAMP): $(LOCK)
	$(NEED_PYTHON)
	@test -x $(PY) || $(BASE_PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --require-hashes --no-deps -r $(LOCK)
	@$(PY) -m pip check >/dev/null || { $(PY) -m pip check >&2; echo "$(LOCK) is incomplete: run make lock" >&2; exit 1; }
	@touch $(STAMP)

setup: need-gettext $(STAMP) messages ## Install everything (idempotent): venv, packages, compiled translations

need-gettext:
	@scripts/system_packages.sh gettext

# Debian packages: gettext (msgfmt) for `make messages`; Chromium and a Japanese font for the browser tests.
# Installed with apt-get when missing and root; otherwise make stops at once with the command to run.
SYSTEM_PACKAGES := gettext chromium fonts-ipaexfont-gothic

system-packages: ## Install (as root) or name the Debian packages the suite needs: gettext, chromium, a Japanese font
	@scripts/system_packages.sh $(SYSTEM_PACKAGES)

messages: $(STAMP) ## Compile the translation catalogues
	@scripts/system_packages.sh gettext
	@$(PY) manage.py compilemessages -v0 --ignore=.venv --ignore=.var 2>&1 | grep -v '^$$' || true

migrate: setup ## Start the database if needed and apply migrations
	@$(WITH_DB) $(PY) manage.py migrate -v0

demo: setup ## Load demo data (idempotent)
	@$(WITH_DB) $(PY) manage.py migrate -v0 && $(PY) manage.py seed_demo

run: setup ## Run the system with demo data at http://127.0.0.1:8000 (with a Celery worker and beat)
	@$(WITH_DB) export DJANGO_DEBUG=1 SERVICE_WINDOW_ENFORCED=0 && \
	$(PY) manage.py migrate -v0 && $(PY) manage.py seed_demo && \
	exec $(PY) scripts/run_dev.py

lint: setup ## ruff and the migrations check
	$(VENV)/bin/ruff check .
	@$(WITH_DB) $(PY) manage.py makemigrations --check --dry-run

test-unit: setup ## Unit and request tests (parallel)
	@$(WITH_DB) $(VENV)/bin/pytest -n 2 -m "not browser" -q

test-browser: setup ## Browser journeys in real Chromium
	@scripts/system_packages.sh chromium fonts-ipaexfont-gothic
	@$(WITH_DB) $(VENV)/bin/pytest tests/browser -m browser -q -p no:xdist

# system-packages first: a machine without them stops before anything is installed.
test: system-packages lint test-unit test-browser ## The whole suite: lint, migrations check, unit, request and browser tests

stop-db: ## Stop the embedded PostgreSQL (it keeps running between commands until then)
	@if [ -x $(PY) ]; then $(PY) -c "from capacity_market import embedded_db; \
	print('Stopped the development database (.var/pgdata).' if embedded_db.stop() else 'The development database is not running.')"; fi

$(TOOLS)/bin/uv:
	$(NEED_PYTHON)
	$(BASE_PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install -q uv==$(UV_VERSION)

lock: $(TOOLS)/bin/uv ## Re-lock after editing pyproject.toml's dependencies (other pins stay as they are)
	$(UV_COMPILE)

upgrade: $(TOOLS)/bin/uv ## Re-lock every package at the newest version pyproject.toml allows (then make test)
	$(UV_COMPILE) --upgrade
	@git diff --stat -- $(LOCK) 2>/dev/null || true

clean: ## Remove the venvs and local data (the embedded database included)
	rm -rf $(VENV) $(TOOLS) .var staticfiles
