from django.apps import AppConfig


class CommsConfig(AppConfig):
    name = "comms"
    verbose_name = "Customer communications"

    def ready(self):
        from comms import tracking  # noqa: F401  (anymail's delivery and open tracking)
