from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = "Threadline core"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from crm.settings_menu import SettingsSection, settings_sections_register
        from crm.tenancy.rls import apply_after_migrate

        # The settings menu's sections of this app's pages.
        settings_sections_register(
            SettingsSection(10, "profile", _("Business profile"), "settings:profile"),
            SettingsSection(20, "calendar", _("Business calendar"), "settings:calendar"),
            SettingsSection(30, "brands", _("Brands"), "settings:brands"),
            SettingsSection(40, "team", _("Team"), "settings:team"),
            SettingsSection(900, "audit", _("Audit trail"), "settings:audit"),
        )
        post_migrate.connect(apply_after_migrate, sender=self, dispatch_uid="crm-rls")
