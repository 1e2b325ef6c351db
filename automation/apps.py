from django.apps import AppConfig


class AutomationConfig(AppConfig):
    """Triggers, sequences and their enrolments, and the bi-weekly customer updates: what the
    business does by itself when something happens to a lead or a time comes. It sits above
    messaging and followups, whose rows its steps write."""

    name = "automation"
    verbose_name = "Automation"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from crm.settings_menu import SettingsSection, settings_sections_register

        # The settings menu's sections of this app's pages.
        settings_sections_register(
            SettingsSection(210, "triggers", _("Triggers"), "automation-settings:triggers"),
            SettingsSection(240, "sequences", _("Sequences"), "automation-settings:sequences"),
        )

        from automation import outbox

        outbox.register()
