"""The web process freezes what it has loaded after its first pages (config/memory.py)."""

import gc

import pytest

from config.memory import LoadedObjectsFrozen


def test_what_a_process_loaded_is_frozen_after_its_first_pages(monkeypatch):
    frozen_after = []
    app = LoadedObjectsFrozen(lambda environ, start_response: [b"page"])
    monkeypatch.setattr(gc, "freeze", lambda: frozen_after.append(app.served))
    assert all(app({}, None) == [b"page"] for _ in range(1500))
    assert frozen_after == [1, 10, 100, 1000]


def test_a_failed_request_counts_too(monkeypatch):
    def failing(environ, start_response):
        raise RuntimeError("the view failed")

    frozen_after = []
    app = LoadedObjectsFrozen(failing)
    monkeypatch.setattr(gc, "freeze", lambda: frozen_after.append(app.served))
    for _ in range(10):
        with pytest.raises(RuntimeError):
            app({}, None)
    assert frozen_after == [1, 10]


def test_the_project_serves_through_it():
    from config import wsgi

    assert isinstance(wsgi.application, LoadedObjectsFrozen)
