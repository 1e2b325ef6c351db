"""What a web process loads before it serves anyone, so that no request waits for it.

Django imports the URLconf, and with it every view, form and API schema of the project, on the
first request, and compiles each template the first time a page uses it. In a new web process
that first request costs about 1.1 s of CPU at a million leads where the next takes 25 ms; with a
process's threads all starting on it at once, and three processes booting beside the Celery
worker, the first requests wait seconds.

`warm_up()` does that loading once, without a request and without touching the database, so it
can run in gunicorn's master before it forks the workers (config/gunicorn.py: `preload_app`):
every worker, and every worker that replaces one after `max_requests`, starts with it loaded.
"""

import gc
from importlib import import_module
from pathlib import Path

from django.conf import settings
from django.db import connections
from django.template import TemplateDoesNotExist, TemplateSyntaxError, engines
from django.urls import reverse
from django.utils import translation


def warm_up() -> None:
    """Import the URLconf, fill its reverse lookups, compile the project's templates, then keep
    all of it out of the garbage collector's walks (config/memory.py)."""
    unconnected = [alias for alias in connections if connections[alias].connection is None]
    for code, _name in settings.LANGUAGES:
        # The first reverse() imports the URLconf (every view, form and API schema); each
        # language's catalog is read, and its reverse lookups filled, on its first use.
        with translation.override(code):
            reverse("healthz")
    # The public holidays' tables import every country's module on their first lookup (80 ms).
    import_module("holidays.countries")
    for engine in engines.all():
        for name in project_templates(engine):
            try:
                engine.get_template(name)  # the cached loader keeps it compiled
            except (TemplateDoesNotExist, TemplateSyntaxError):  # pragma: no cover
                continue  # a fragment for another engine; a broken one fails where it is used
    # Nothing above should connect; a connection opened before the fork would be shared by every
    # worker. One that was open before (a test's) is left alone.
    for alias in unconnected:
        if connections[alias].connection is not None:
            connections[alias].close()
    gc.freeze()


def project_templates(engine) -> list[str]:
    """The names of the templates in the project's own template directories (not those of the
    installed packages: the admin's are compiled when the platform admin is used)."""
    root = Path(settings.BASE_DIR).resolve()
    venv = root / ".venv"
    names = []
    for directory in engine.template_dirs:
        directory = Path(directory).resolve()
        if not directory.is_relative_to(root) or directory.is_relative_to(venv):
            continue
        names += sorted(
            path.relative_to(directory).as_posix()
            for path in directory.rglob("*")
            if path.is_file() and path.suffix in {".html", ".txt", ".svg"}
        )
    return names
