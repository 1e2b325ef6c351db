"""A web process loads the URLconf and compiles the project's templates before its first request
(config/warmup.py), in gunicorn's master, before the workers are forked."""

import gc
import runpy
from pathlib import Path

from django.template import engines

from config.warmup import project_templates, warm_up

ROOT = Path(__file__).resolve().parents[2]


def _cached_loader():
    """The engine and its cached loader (inside django-template-partials' wrapper)."""
    (engine,) = engines.all()
    loader = engine.engine.template_loaders[0]
    loader = next(
        inner
        for inner in [loader, *getattr(loader, "loaders", [])]
        if hasattr(inner, "get_template_cache")
    )
    return engine, loader


def test_the_warm_up_compiles_every_project_template_without_the_database(monkeypatch):
    # No django_db mark: a query here would fail the test, as it would share a connection
    # between the forked workers in production.
    engine, loader = _cached_loader()
    loader.reset()
    frozen = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(True))

    warm_up()

    names = project_templates(engine)
    assert "base.html" in names and "403_csrf.html" in names
    assert set(names) <= set(loader.get_template_cache)
    assert frozen == [True]


def test_only_the_projects_own_templates_are_compiled():
    engine, _loader = _cached_loader()
    names = project_templates(engine)
    assert len(names) == len(set(names)) > 100
    assert not any(name.startswith(("admin/", "django/forms/")) for name in names)


def test_gunicorn_forks_its_workers_from_a_warmed_up_master():
    assert runpy.run_path(str(ROOT / "config" / "gunicorn.py"))["preload_app"] is True
