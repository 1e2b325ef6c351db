from django.apps import AppConfig


class MessagingConfig(AppConfig):
    """Templates, delivery policy and the outbox: the messaging every app sends through.

    The package was called ``comms``; its label stays ``comms`` so the migrations, table names,
    content types, row-level-security policies and audit (pghistory) event tables recorded under
    that label are untouched, and ``{% url 'comms:...' %}`` keeps working. Code imports
    ``messaging``; the database and the URL namespace still say ``comms``.
    """

    name = "messaging"
    label = "comms"
    verbose_name = "Customer communications"

    def ready(self):
        from django.urls import reverse
        from django.utils.translation import gettext_lazy as _

        from crm.kit.links import NOTIFICATION_PREFERENCES
        from crm.settings_menu import SettingsSection, settings_sections_register
        from messaging import tracking  # noqa: F401  (anymail's delivery and open tracking)

        # The settings menu's sections of this app's pages.
        settings_sections_register(
            SettingsSection(200, "templates", _("Message templates"), "comms-settings:templates"),
            SettingsSection(220, "delivery", _("Delivery policy"), "comms-settings:delivery"),
            SettingsSection(230, "outbox", _("Outbox"), "comms-settings:outbox"),
        )
        NOTIFICATION_PREFERENCES.provide(lambda: reverse("comms:notification-preferences"))
