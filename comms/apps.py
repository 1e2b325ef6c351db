from django.apps import AppConfig


class CommsConfig(AppConfig):
    name = "comms"
    verbose_name = "Customer communications"

    def ready(self):
        from comms import (
            receivers,  # noqa: F401  (connects to leads' and crm's signals)
            tracking,  # noqa: F401  (anymail's delivery and open tracking)
        )
