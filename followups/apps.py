from django.apps import AppConfig


class FollowupsConfig(AppConfig):
    name = "followups"
    verbose_name = "Follow-ups"

    def ready(self):
        from django.urls import reverse
        from django.utils.translation import gettext_lazy as _

        from crm.settings_menu import SettingsSection, settings_sections_register
        from tickets.links import NEW_FOLLOW_UP

        NEW_FOLLOW_UP.provide(lambda: reverse("followups:create"))

        # The settings menu's sections of this app's pages.
        settings_sections_register(
            SettingsSection(
                300, "follow-up-types", _("Follow-up types"), "followups-settings:types"
            ),
            SettingsSection(
                310, "follow-up-templates", _("Follow-up templates"), "followups-settings:templates"
            ),
            SettingsSection(
                320,
                "follow-up-settings",
                _("Neglect & digest"),
                "followups-settings:follow-up-settings",
            ),
        )
