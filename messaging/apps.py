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
        from messaging import tracking  # noqa: F401  (anymail's delivery and open tracking)
