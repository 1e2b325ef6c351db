"""The tasks this app's services enqueue, by name: tasks.py imports the services, so the services
do not import it (pyproject's contract inside each app)."""

from crm.tenancy.tasks import TaskNamed

process_inbound_event = TaskNamed("tickets.tasks.process_inbound_event")
