import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

from config.memory import LoadedObjectsFrozen

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

application = LoadedObjectsFrozen(get_wsgi_application())

# Loaded here, not on a visitor's first request: under gunicorn once in the master, before it
# forks the workers (config/warmup.py). The development server restarts on every change: not there.
if not settings.DEBUG:
    from config.warmup import warm_up

    warm_up()
