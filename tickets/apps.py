from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = "Unified inbox"

    def ready(self):
        from tickets import receivers  # noqa: F401  (anymail's inbound signal)
