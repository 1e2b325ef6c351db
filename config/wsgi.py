import os

from django.core.wsgi import get_wsgi_application

from config.memory import LoadedObjectsFrozen

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

application = LoadedObjectsFrozen(get_wsgi_application())
