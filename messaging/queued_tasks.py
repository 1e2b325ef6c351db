"""The tasks this app's services enqueue, by name: tasks.py imports the services, so the services
do not import it (pyproject's contract inside each app)."""

from crm.tenancy.tasks import TaskNamed

sandbox_report = TaskNamed("messaging.tasks.sandbox_report")
