"""The files around the code: the compose file, the documented environment, deploy settings, the
content security policy and committed secrets. None of these tests touches the database."""

import importlib
import itertools
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
COMPOSE_SCHEMA = ROOT / "tests" / "schemas" / "compose-spec.json"
ENV_EXAMPLE = ROOT / ".env.example"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"

APP_SERVICES = ("web", "worker", "beat")
ALL_SERVICES = ("postgres", "redis", "migrate", *APP_SERVICES)

ENV_READ_PATTERN = re.compile(
    r"""(?:os\.environ\.get|os\.environ\.setdefault|os\.getenv|env_bool|env_list)\(\s*["']([A-Z][A-Z0-9_]*)["']"""
    r"""|os\.environ\[\s*["']([A-Z][A-Z0-9_]*)["']\s*\]"""
)
ENV_ASSIGNMENT = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=")
COMPOSE_VARIABLE = re.compile(r"(?<!\$)\$(?:\{([A-Za-z_][A-Za-z0-9_]*)|([A-Za-z_][A-Za-z0-9_]*))")

SECRET_PATTERNS = {
    "AWS access key id": re.compile(rb"AKIA[0-9A-Z]{16}"),
    "private key": re.compile(
        rb"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY-----"
    ),
    "Stripe live key": re.compile(rb"[sr]k_live_[0-9A-Za-z]{8,}"),
}


def _documented_variables() -> set[str]:
    names = set()
    for line in ENV_EXAMPLE.read_text().splitlines():
        if match := ENV_ASSIGNMENT.match(line):
            names.add(match.group(1))
    return names


def _variables_read_by_the_project() -> set[str]:
    sources = [
        ROOT / "manage.py",
        *(ROOT / "config").rglob("*.py"),
        *(ROOT / "crm").rglob("*.py"),
        *(ROOT / "scripts").rglob("*.py"),
    ]
    names = set()
    for source in sources:
        for match in ENV_READ_PATTERN.finditer(source.read_text()):
            names.add(match.group(1) or match.group(2))
    return names


def _compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def _depends_on(service: dict) -> dict[str, str]:
    """depends_on as {service: condition}, whichever of its two forms the file uses."""
    declared = service.get("depends_on", {})
    if isinstance(declared, list):
        return dict.fromkeys(declared, "service_started")
    return {name: options["condition"] for name, options in declared.items()}


def _production_env(**overrides: str) -> dict[str, str]:
    """The test process's environment minus every setting the project reads, plus overrides."""
    project_variables = _variables_read_by_the_project()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in project_variables and not key.startswith("ANYMAIL_")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_ALLOWED_HOSTS="crm.example.com",
        DATABASE_URL="postgresql://owner@127.0.0.1:5432/threadline",
        REDIS_URL="redis://127.0.0.1:6379/0",
    )
    env.update(overrides)
    return env


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603  (our interpreter, our manage.py, fixed arguments)
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


# --- docker-compose.yml --------------------------------------------------------------------


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

    assert "command" not in services["web"]  # the image's gunicorn CMD
    assert services["worker"]["command"][:4] == ["celery", "-A", "config", "worker"]
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


# --- .env.example ---------------------------------------------------------------------------


def test_every_variable_the_project_reads_is_documented():
    read = _variables_read_by_the_project()

    assert {"DATABASE_URL", "DJANGO_SECRET_KEY", "REDIS_URL", "ANYMAIL_ESP"} <= read
    assert read - _documented_variables() == set()


def test_every_documented_variable_has_a_comment():
    lines = ENV_EXAMPLE.read_text().splitlines()

    for previous, line in itertools.pairwise(lines):
        if ENV_ASSIGNMENT.match(line):
            assert previous.startswith("#") and not ENV_ASSIGNMENT.match(previous), line


# --- Dockerfile -----------------------------------------------------------------------------


def _dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined and comments dropped."""
    lines = [
        line for line in DOCKERFILE.read_text().splitlines() if not line.lstrip().startswith("#")
    ]
    joined = "\n".join(lines).replace("\\\n", " ")
    return [
        (keyword.upper(), arguments.strip())
        for keyword, _, arguments in (line.strip().partition(" ") for line in joined.splitlines())
        if keyword
    ]


def test_dockerfile_runs_as_a_non_root_user_without_baked_in_secrets():
    instructions = _dockerfile_instructions()
    final_stage = instructions[max(i for i, (kw, _) in enumerate(instructions) if kw == "FROM") :]
    users = [arguments for keyword, arguments in final_stage if keyword == "USER"]
    runs = " ".join(arguments for keyword, arguments in instructions if keyword == "RUN")
    baked = " ".join(arguments for keyword, arguments in instructions if keyword in {"ENV", "ARG"})

    assert all(a.startswith("python:3.11-slim") for kw, a in instructions if kw == "FROM")
    assert users and users[-1].split(":")[0] not in {"root", "0"}
    assert ("EXPOSE", "8000") in final_stage
    assert "uv sync --frozen --no-dev" in runs
    assert "collectstatic" in runs
    assert "DJANGO_SECRET_KEY" not in baked
    assert "DATABASE_URL" not in baked


def test_secrets_and_local_state_stay_out_of_the_image():
    ignored = set(DOCKERIGNORE.read_text().splitlines())

    assert {".env", ".git", ".venv", ".data"} <= ignored


# --- Settings -------------------------------------------------------------------------------


def test_production_settings_pass_the_deploy_checks():
    env = _production_env(DJANGO_SECRET_KEY=secrets.token_urlsafe(64))

    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=env)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize("secret_key", [None, ""], ids=["unset", "empty"])
def test_production_settings_refuse_to_start_without_a_secret_key(secret_key):
    env = _production_env()
    if secret_key is not None:
        env["DJANGO_SECRET_KEY"] = secret_key

    result = _manage("check", env=env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY" in result.stderr


# --- Content security policy -----------------------------------------------------------------


def test_script_policy_allows_no_inline_or_evaluated_script():
    base = importlib.import_module("config.settings.base")
    script_src = base.CONTENT_SECURITY_POLICY["DIRECTIVES"]["script-src"]

    assert script_src
    for unsafe in ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'"):
        assert unsafe not in script_src


def _templates() -> list[Path]:
    templates = sorted((ROOT / "templates").rglob("*.html"))
    assert templates
    return templates + sorted((ROOT / "templates").rglob("*.svg"))


def _template_matches(pattern: re.Pattern) -> list[str]:
    return [
        f"{template.relative_to(ROOT)}: {match.group(0).strip()}"
        for template in _templates()
        for match in pattern.finditer(template.read_text())
    ]


def test_templates_have_no_inline_script():
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)

    assert _template_matches(inline_script) == []


def test_templates_have_no_inline_event_handlers():
    event_handler = re.compile(r"\s(?:on[a-z]+|hx-on(?::|-)[\w:.-]*)\s*=", re.IGNORECASE)

    assert _template_matches(event_handler) == []


# --- Secrets --------------------------------------------------------------------------------


def _git(*args: str) -> subprocess.CompletedProcess:
    git = shutil.which("git")
    if git is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    return subprocess.run([git, *args], cwd=ROOT, capture_output=True, check=False)  # noqa: S603


def test_no_secrets_in_tracked_or_new_files():
    listing = _git("ls-files", "-z", "--cached", "--others", "--exclude-standard")
    files = {name for name in listing.stdout.decode().split("\0") if name}

    offenders = []
    for name in sorted(files):
        path = ROOT / name
        if not path.is_file():
            continue
        content = path.read_bytes()
        offenders += [
            f"{name}: {kind}"
            for kind, pattern in SECRET_PATTERNS.items()
            if pattern.search(content)
        ]

    assert files
    assert offenders == []


def test_env_file_is_ignored_and_its_example_is_not():
    assert _git("check-ignore", "--quiet", ".env").returncode == 0
    assert _git("check-ignore", "--quiet", ".env.example").returncode == 1
