"""Bench-only settings for bench/leads/time_list.py: production settings (DEBUG off) whose URLconf
adds a plain Django admin changelist of the leads, the yardstick the issue compares the lead list
with. This directory is put on PYTHONPATH by the bench only; the product never imports it."""

from config.settings.production import *  # noqa: F403

ROOT_URLCONF = "leadlist_bench_urls"
# The manifest needs collectstatic; the bench serves no static file, so the plain storage will do.
STORAGES = STORAGES | {  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
}
# Sessions in the cache alone: the bench reads the shared data set and writes nothing to it (a
# cached_db session is also a row). A request finds its session in the cache either way.
SESSION_ENGINE = "django.contrib.sessions.backends.cache"
