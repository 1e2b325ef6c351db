from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The REST API (/api/v1/) and its keys: the CRM's data for other programs, through the same
    selectors and services as the pages."""

    name = "api"
    verbose_name = "REST API"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from crm.settings_menu import SettingsSection, settings_sections_register

        # The settings menu's sections of this app's pages.
        settings_sections_register(
            SettingsSection(600, "api-keys", _("API keys"), "api-settings:keys"),
        )

        from django.urls import reverse

        from documents.downloads import API_DOWNLOAD

        API_DOWNLOAD.provide(
            lambda token: reverse("api-v1:document-download", kwargs={"token": token})
        )
