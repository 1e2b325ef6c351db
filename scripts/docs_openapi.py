"""MkDocs hook: writes the REST API's OpenAPI schema to docs/api/openapi.json before each build.

The schema comes from the django-ninja API itself (`api.v1.api.get_openapi_schema()`), so the
documentation site always shows the API the code serves. Django is set up with the dev settings;
nothing connects to a database or Redis. The file is written only when it changed, so `make docs`
(mkdocs serve) does not rebuild in a loop.
"""

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "docs" / "api" / "openapi.json"


def openapi_schema() -> dict:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    # Settings need the URLs; building the schema connects to neither (port 1 answers nothing).
    os.environ.setdefault("DATABASE_URL", "postgresql://threadline:unused@127.0.0.1:1/threadline")
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:1/0")
    import django

    django.setup()
    from api.v1 import api

    return api.get_openapi_schema(path_prefix="/api/v1/")


def write_schema() -> bool:
    text = json.dumps(openapi_schema(), indent=2, ensure_ascii=False, sort_keys=False) + "\n"
    if SCHEMA.exists() and SCHEMA.read_text() == text:
        return False
    SCHEMA.parent.mkdir(parents=True, exist_ok=True)
    SCHEMA.write_text(text)
    return True


def on_pre_build(config, **kwargs):
    write_schema()


if __name__ == "__main__":
    print("written" if write_schema() else "unchanged", SCHEMA.relative_to(ROOT))
