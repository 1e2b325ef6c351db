from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The REST API (/api/v1/) and its keys: the CRM's data for other programs, through the same
    selectors and services as the pages."""

    name = "api"
    verbose_name = "REST API"
