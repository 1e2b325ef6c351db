import pytest


@pytest.fixture(autouse=True)
def figures_counted_on_every_request(settings):
    """The figure tests change data between two reads of the page; the cache that keeps figures
    for a few minutes is tested on its own (test_figures_cache.py)."""
    settings.DASHBOARD_FIGURES_SECONDS = 0
