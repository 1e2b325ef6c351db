"""The files around the code: the documented environment, the Dockerfile, deploy settings, the
content security policy and committed secrets (the compose file: tests/test_compose.py). None of
these tests touches the database."""

import importlib
import itertools
import json
import os
import re
import runpy
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ENV_EXAMPLE = ROOT / ".env.example"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"

ENV_READ_PATTERN = re.compile(
    r"""(?:os\.environ\.get|os\.environ\.setdefault|os\.getenv|env_bool|env_list)\(\s*["']([A-Z][A-Z0-9_]*)["']"""
    r"""|os\.environ\[\s*["']([A-Z][A-Z0-9_]*)["']\s*\]"""
)
ENV_ASSIGNMENT = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=")

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
        FIELD_ENCRYPTION_KEYS="Yl9QmC2fLk1N8cVZ0v2mJ3xq4sT6uW8yA1bC3dE5fG0=",
    )
    env.update(overrides)
    return env


def production_json(code: str, **overrides: str):
    """Run `code` in a fresh interpreter under the production settings (`_production_env`, with
    `overrides`) and return the JSON its last line prints."""
    result = subprocess.run(  # noqa: S603  (our interpreter, fixed code)
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=_production_env(**overrides),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


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


@pytest.mark.parametrize("keys", [None, ""], ids=["unset", "empty"])
def test_production_settings_refuse_to_start_without_field_encryption_keys(keys):
    env = _production_env(DJANGO_SECRET_KEY=secrets.token_urlsafe(64))
    env.pop("FIELD_ENCRYPTION_KEYS")
    if keys is not None:
        env["FIELD_ENCRYPTION_KEYS"] = keys

    result = _manage("check", env=env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "FIELD_ENCRYPTION_KEYS" in result.stderr


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


# --- gunicorn -------------------------------------------------------------------------------


def test_the_image_and_the_load_test_run_gunicorn_as_operations_recommends(monkeypatch):
    """docs/operations/index.md recommends gthread, 3 processes of 4 threads on 2 cores: the image and
    bench/load/run.py both load config/gunicorn.py, which says so unless the environment sizes it."""
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    monkeypatch.delenv("WEB_THREADS", raising=False)
    commands = [arguments for keyword, arguments in _dockerfile_instructions() if keyword == "CMD"]
    settings = runpy.run_path(str(ROOT / "config" / "gunicorn.py"))

    assert "config/gunicorn.py" in commands[-1]
    assert '"--config", "config/gunicorn.py"' in (ROOT / "bench" / "load" / "run.py").read_text()
    assert (settings["worker_class"], settings["workers"], settings["threads"]) == ("gthread", 3, 4)
    assert (
        "| 2 | `gthread` | 3 \u00d7 4 |" in (ROOT / "docs" / "operations" / "index.md").read_text()
    )
