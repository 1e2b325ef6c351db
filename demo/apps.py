from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo seed (`manage.py seed_demo`), which runs each app's own seeder in turn."""

    name = "demo"
