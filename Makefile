# Threadline: `make dev` runs everything with demo data, `make test` runs every test.
# With DATABASE_URL / REDIS_URL unset, both start an embedded PostgreSQL and Redis under .data/.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
DEVENV := $(PY) scripts/devenv.py

.PHONY: install dev test test-fast lint format migrate seed shell ci-browser clean-data

$(UV):
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check uv

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --frozen --inexact
	@touch $@

install: $(VENV)/.synced

dev: install
	$(DEVENV) dev -- $(VENV)/bin/honcho --procfile Procfile.dev start

test: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(DEVENV) test -- $(PY) -m pytest $(PYTEST_ARGS)

# Unit tests only, without the browser suite.
test-fast: install
	$(DEVENV) test -- $(PY) -m pytest -m "not browser" $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

migrate: install
	$(DEVENV) run -- $(PY) manage.py migrate

seed: install
	$(DEVENV) run -- $(PY) manage.py seed_demo

shell: install
	$(DEVENV) run -- $(PY) manage.py shell

clean-data:
	rm -rf .data
