from django.apps import AppConfig


class ShellConfig(AppConfig):
    """The staff pages' frame (navigation by role) and the pages composed from several apps:
    the home page and the contact pages."""

    name = "shell"
