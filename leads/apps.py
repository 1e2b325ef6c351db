from django.apps import AppConfig


class LeadsConfig(AppConfig):
    name = "leads"
    verbose_name = "Leads and pipelines"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from crm.settings_menu import SettingsSection, settings_sections_register

        # The settings menu's sections of this app's pages.
        settings_sections_register(
            SettingsSection(100, "pipelines", _("Pipelines"), "lead-settings:pipelines"),
            SettingsSection(110, "sources", _("Lead sources"), "lead-settings:sources"),
            SettingsSection(120, "assignment", _("Assignment"), "lead-settings:assignment"),
            SettingsSection(130, "speed", _("Speed to lead"), "lead-settings:speed-to-lead"),
            SettingsSection(140, "capture-forms", _("Lead forms"), "lead-settings:capture-forms"),
            SettingsSection(150, "taxes", _("Tax rates"), "lead-settings:tax-rates"),
        )
