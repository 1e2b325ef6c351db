from django.apps import AppConfig


class AutomationConfig(AppConfig):
    """Triggers, sequences and their enrolments, and the bi-weekly customer updates: what the
    business does by itself when something happens to a lead or a time comes. It sits above
    messaging and followups, whose rows its steps write."""

    name = "automation"
    verbose_name = "Automation"

    def ready(self):
        from automation import outbox

        outbox.register()
