"""Production settings with the sessions in the cache only (Redis): with
`bench/pages/time_pages.py --read-only` the servers, like the script, write nothing to the
database, so the shared bench database can be timed as it is. Each checkout's own
config.settings.production (the server's working directory comes first on its path)."""

from config.settings.production import *  # noqa: F403

SESSION_ENGINE = "django.contrib.sessions.backends.cache"
