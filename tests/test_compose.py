"""docker-compose.yml: `docker compose up` from a fresh clone (`make .env`, then
`SEED_DEMO=true docker compose up --build`) runs the whole stack with the demo.

The Docker daemon is not available where these tests run (nor in CI), so nothing here starts a
container: the tests parse the compose file (and the Dockerfile, settings and docs it relies on)
and check its properties: the services and their order, healthchecks on every long-running
service, private media on a writable volume, cookies usable over local http, gunicorn as
docs/operations/index.md recommends, secrets from .env.
"""

import base64
import json
import re
import runpy
from pathlib import Path

import jsonschema
import yaml

from tests.test_project_files import (
    _dockerfile_instructions,
    _documented_variables,
    production_json,
)

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
COMPOSE_SCHEMA = ROOT / "tests" / "schemas" / "compose-spec.json"
COMPOSE_VARIABLE = re.compile(r"(?<!\$)\$(?:\{([A-Za-z_][A-Za-z0-9_]*)|([A-Za-z_][A-Za-z0-9_]*))")

APP_SERVICES = ("web", "worker", "messages", "beat")
ALL_SERVICES = ("postgres", "redis", "migrate", *APP_SERVICES)
LONG_RUNNING = ("postgres", "redis", *APP_SERVICES)
GUNICORN = ["gunicorn", "config.wsgi:application", "--config", "config/gunicorn.py"]


def _compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def _depends_on(service: dict) -> dict[str, str]:
    """depends_on as {service: condition}, whichever of its two forms the file uses."""
    declared = service.get("depends_on", {})
    if isinstance(declared, list):
        return dict.fromkeys(declared, "service_started")
    return {name: options["condition"] for name, options in declared.items()}


def test_compose_file_validates_against_the_compose_specification():
    schema = json.loads(COMPOSE_SCHEMA.read_text())
    # The schema declares draft 2019-09 by a URI (http, trailing #) that validator_for does not know.
    assert "/draft/2019-09/" in schema["$schema"]
    validator_class = jsonschema.Draft201909Validator
    validator_class.check_schema(schema)

    errors = sorted(validator_class(schema).iter_errors(_compose()), key=lambda e: list(e.path))

    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def test_compose_runs_the_whole_stack():
    services = _compose()["services"]

    assert set(ALL_SERVICES) <= set(services)
    assert services["postgres"]["image"].startswith("postgres:16")
    assert services["redis"]["image"].startswith("redis:7")
    assert "healthcheck" in services["postgres"]
    for name in ("migrate", *APP_SERVICES):
        assert "build" in services[name], name
        environment = services[name]["environment"]
        assert environment["DJANGO_SETTINGS_MODULE"] == "config.settings.production", name
        assert str(environment["DJANGO_SECURE_SSL_REDIRECT"]).endswith("false}"), name


def test_web_worker_and_beat_wait_for_healthy_servers_and_a_finished_migration():
    services = _compose()["services"]

    for name in APP_SERVICES:
        assert _depends_on(services[name]) == {
            "postgres": "service_healthy",
            "redis": "service_healthy",
            "migrate": "service_completed_successfully",
        }, name
    assert _depends_on(services["migrate"])["postgres"] == "service_healthy"


def test_migrate_bootstraps_the_app_role_before_migrating():
    command = " ".join(_compose()["services"]["migrate"]["command"])

    assert command.startswith("python scripts/devenv.py run -- ")
    assert "manage.py migrate" in command
    assert "manage.py seed_demo" in command


def test_compose_processes_are_the_production_ones():
    services = _compose()["services"]

    assert services["web"]["command"] == GUNICORN
    assert services["worker"]["command"][:4] == ["celery", "-A", "config", "worker"]
    assert services["messages"]["command"][:4] == ["celery", "-A", "config", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "config", "beat"]


def test_compose_takes_secrets_from_the_environment():
    url_password = re.compile(r"://[^/:@]+:([^@]*)@")

    for name, service in _compose()["services"].items():
        for key, value in service.get("environment", {}).items():
            value = str(value or "")
            if "SECRET" in key or "PASSWORD" in key:
                assert value.startswith("${"), f"{name}: {key} is hard-coded"
            if match := url_password.search(value):
                assert match.group(1).startswith("${"), f"{name}: {key} has a hard-coded password"


def test_every_variable_the_compose_file_uses_is_documented():
    used = {a or b for a, b in COMPOSE_VARIABLE.findall(COMPOSE_FILE.read_text())}

    assert used, "the variable pattern found nothing; is it still right?"
    assert used - _documented_variables() == set()


# --- What issue 22 asks of `docker compose up` ------------------------------------------------


def _healthcheck_command(service: dict) -> str:
    test = service["healthcheck"]["test"]
    assert isinstance(test, list) and test[0] in {"CMD", "CMD-SHELL"}, test
    return " ".join(test[1:])


def test_every_long_running_service_has_a_healthcheck():
    services = _compose()["services"]

    assert "pg_isready" in _healthcheck_command(services["postgres"])
    assert "redis-cli ping" in _healthcheck_command(services["redis"])
    assert "/healthz" in _healthcheck_command(services["web"])
    assert "inspect ping" in _healthcheck_command(services["worker"])
    assert "inspect ping" in _healthcheck_command(services["messages"])
    assert "CELERY_BROKER_URL" in _healthcheck_command(services["beat"])
    for name in LONG_RUNNING:
        healthcheck = services[name]["healthcheck"]
        assert not healthcheck.get("disable"), name
        assert {"interval", "timeout", "retries"} <= set(healthcheck), name
    # The one-shot is waited for by its exit, and does not inherit web's check.
    assert services["migrate"]["healthcheck"] == {"disable": True}
    assert services["migrate"]["restart"] == "no"


def test_the_healthchecks_python_is_python():
    services = _compose()["services"]
    for name in ("web", "beat"):
        test = services[name]["healthcheck"]["test"]
        assert test[:3] == ["CMD", "python", "-c"], name
        compile(test[3], f"{name} healthcheck", "exec")  # a SyntaxError fails the test


def test_web_healthcheck_asks_as_an_allowed_host_over_https():
    """With the first of DJANGO_ALLOWED_HOSTS as Host and X-Forwarded-Proto https, a setting of
    either (an own host name, the HTTPS redirect turned on) does not make the check fail."""
    code = _compose()["services"]["web"]["healthcheck"]["test"][3]

    assert 'os.environ.get("DJANGO_ALLOWED_HOSTS"' in code
    assert '"X-Forwarded-Proto": "https"' in code
    settings = (ROOT / "config" / "settings" / "production.py").read_text()
    assert 'SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")' in settings


def test_the_workers_ping_themselves():
    services = _compose()["services"]

    # $$ is compose's escape: the shell in the container expands $HOSTNAME, celery's node name.
    assert "--destination celery@$$HOSTNAME" in _healthcheck_command(services["worker"])
    # The messages worker is named messages@<host> (-n messages@%h), and pings that name.
    assert _option(services["messages"]["command"], "-n") == "messages@%h"
    assert "--destination messages@$$HOSTNAME" in _healthcheck_command(services["messages"])


def _option(command: list[str], flag: str) -> str | None:
    return command[command.index(flag) + 1] if flag in command else None


def test_a_worker_of_its_own_reads_the_messages_queue_and_the_other_the_rest():
    """The outbox, reminders, webhooks and inbound events never wait behind the sweeps' bulk
    (docs/operations/index.md, "Queues"): each queue the settings declare has exactly one of the two
    workers, and make dev's Procfile.dev starts the same two."""
    services = _compose()["services"]
    procfile = dict(
        line.split(": ", 1)
        for line in (ROOT / "Procfile.dev").read_text().splitlines()
        if line and not line.startswith("#")
    )

    assert _option(services["worker"]["command"], "-Q") == "celery"
    assert _option(services["messages"]["command"], "-Q") == "messages"
    assert _option(procfile["worker"].split(), "-Q") == "celery"
    assert _option(procfile["messages"].split(), "-Q") == "messages"
    assert _option(procfile["messages"].split(), "-n") == "messages@%h"
    assert _declared_queues() == ["celery", "messages"]


def _declared_queues() -> list[str]:
    code = (
        "import json, django; from django.conf import settings as s; django.setup(); "
        "print(json.dumps([s.CELERY_TASK_DEFAULT_QUEUE, s.THREADLINE_MESSAGES_QUEUE]))"
    )
    return production_json(code, DJANGO_SECRET_KEY="compose-test-key-" + "x" * 40)


def test_private_media_is_on_a_writable_volume():
    compose = _compose()
    services = compose["services"]

    assert "private-media" in compose["volumes"]
    for name in ("migrate", *APP_SERVICES):
        environment = services[name]["environment"]
        assert environment["PRIVATE_MEDIA_ROOT"] == "/var/lib/threadline/private", name
        assert "private-media:/var/lib/threadline/private" in services[name]["volumes"], name
    # A new named volume copies the owner of the image's directory: the image's user.
    runs = [arguments for keyword, arguments in _dockerfile_instructions() if keyword == "RUN"]
    assert any(
        "mkdir -p /var/lib/threadline/private" in run
        and "chown -R threadline:threadline /var/lib/threadline" in run
        for run in runs
    )


def test_cookies_work_over_local_http_and_stay_secure_by_default():
    for name in ("migrate", *APP_SERVICES):
        environment = _compose()["services"][name]["environment"]
        assert environment["DJANGO_SECURE_COOKIES"] == "${DJANGO_SECURE_COOKIES:-false}", name
    assert "DJANGO_SECURE_COOKIES" in _documented_variables()

    local = _cookie_settings(DJANGO_SECURE_COOKIES="false")
    default = _cookie_settings()

    assert local == {"secure": [False, False], "names": ["sessionid", "csrftoken"]}
    assert default == {
        "secure": [True, True],
        "names": ["__Secure-sessionid", "__Secure-csrftoken"],
    }


def _cookie_settings(**overrides: str) -> dict:
    code = (
        "import json, django; from django.conf import settings as s; django.setup(); "
        "print(json.dumps({'secure': [s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE], "
        "'names': [s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME]}))"
    )
    return production_json(code, DJANGO_SECRET_KEY="compose-test-key-" + "x" * 40, **overrides)


def test_web_runs_gunicorn_as_operations_recommends_on_port_8000():
    services = _compose()["services"]
    image_command = [
        arguments for keyword, arguments in _dockerfile_instructions() if keyword == "CMD"
    ]

    assert json.loads(image_command[-1]) == GUNICORN
    assert f"`{' '.join(GUNICORN)}`" in (ROOT / "docs" / "operations" / "index.md").read_text()
    assert services["web"]["ports"] == ["127.0.0.1:${WEB_PORT:-8000}:8000"]
    # The container's PORT is unset: config/gunicorn.py binds 8000, what the ports map.
    assert "PORT" not in services["web"]["environment"]


def test_gunicorn_binds_the_port_the_environment_gives(monkeypatch):
    monkeypatch.delenv("PORT", raising=False)
    assert runpy.run_path(str(ROOT / "config" / "gunicorn.py"))["bind"] == "0.0.0.0:8000"
    monkeypatch.setenv("PORT", "5123")
    assert runpy.run_path(str(ROOT / "config" / "gunicorn.py"))["bind"] == "0.0.0.0:5123"


def test_gunicorn_keeps_idle_connections_longer_than_clients_and_balancers_idle(monkeypatch):
    """gthread closes a keep-alive connection idle for `keepalive` seconds; a client (the load
    test's users idle 2-8 s) or balancer (60 s at AWS and nginx by default) that reuses it at that
    moment gets a reset. 75 s unless WEB_KEEPALIVE says otherwise."""
    monkeypatch.delenv("WEB_KEEPALIVE", raising=False)
    assert runpy.run_path(str(ROOT / "config" / "gunicorn.py"))["keepalive"] == 75
    monkeypatch.setenv("WEB_KEEPALIVE", "620")
    assert runpy.run_path(str(ROOT / "config" / "gunicorn.py"))["keepalive"] == 620
    assert "WEB_KEEPALIVE" in _documented_variables()
    assert "`WEB_KEEPALIVE`" in (ROOT / "docs" / "operations" / "index.md").read_text()


def test_a_fresh_clone_gets_its_env_file_from_make(tmp_path):
    """`make .env` (scripts/compose_env.py) fills in what compose requires: a secret key and the
    two passwords, URL-safe and fresh each time; the demo is switched on by SEED_DEMO=true."""
    required = {
        match.group(1) for match in re.finditer(r"\$\{([A-Z_]+):\?", COMPOSE_FILE.read_text())
    }
    assert required == {
        "DJANGO_SECRET_KEY",
        "FIELD_ENCRYPTION_KEYS",
        "POSTGRES_PASSWORD",
        "DATABASE_APP_PASSWORD",
    }
    render = runpy.run_path(str(ROOT / "scripts" / "compose_env.py"))["render"]
    example = (ROOT / ".env.example").read_text()

    first, second = render(example), render(example)

    values = dict(line.split("=", 1) for line in first.splitlines() if re.match(r"^[A-Z_]+=", line))
    for name in required - {"FIELD_ENCRYPTION_KEYS"}:
        assert re.fullmatch(r"[A-Za-z0-9_-]{24,}", values[name]), name
    assert values["DJANGO_SECRET_KEY"] not in second
    # A Fernet key: 32 random bytes, url-safe base64.
    assert len(base64.urlsafe_b64decode(values["FIELD_ENCRYPTION_KEYS"])) == 32
    assert values["FIELD_ENCRYPTION_KEYS"] not in second
    assert values["SEED_DEMO"] == "false"
    migrate = _compose()["services"]["migrate"]
    assert migrate["environment"]["SEED_DEMO"] == "${SEED_DEMO:-false}"
    assert "\n.env:\n\tpython3 scripts/compose_env.py" in (ROOT / "Makefile").read_text()
