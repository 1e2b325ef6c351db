"""The tasks this app's services enqueue, by name: tasks.py imports the services, so the services
do not import it (pyproject's contract inside each app)."""

from crm.tenancy.tasks import TaskNamed

process_provider_event = TaskNamed("gateway.tasks.process_provider_event")
sandbox_event_deliver = TaskNamed("gateway.tasks.sandbox_event_deliver")
