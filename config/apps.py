from django.apps import AppConfig


class ProjectConfig(AppConfig):
    """The Django project, installed as an app so that every process (web, worker, beat,
    manage.py, tests) creates the Celery app once Django is set up: a task sent before it exists
    would go to Celery's default broker instead of ours."""

    name = "config"

    def ready(self):
        from config import celery  # noqa: F401
