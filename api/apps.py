from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The REST API (/api/v1/) and its keys: the CRM's data for other programs, through the same
    selectors and services as the pages."""

    name = "api"
    verbose_name = "REST API"

    def ready(self):
        from django.urls import reverse

        from documents.downloads import API_DOWNLOAD

        API_DOWNLOAD.provide(
            lambda token: reverse("api-v1:document-download", kwargs={"token": token})
        )
