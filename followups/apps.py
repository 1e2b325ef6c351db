from django.apps import AppConfig


class FollowupsConfig(AppConfig):
    name = "followups"
    verbose_name = "Follow-ups"

    def ready(self):
        from followups import receivers  # noqa: F401  (replies, unsubscribes, won/lost leads)
