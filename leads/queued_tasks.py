"""The tasks this app's services enqueue, by name: tasks.py imports the services, so the services
do not import it (pyproject's contract inside each app)."""

from crm.tenancy.tasks import TaskNamed

run_lead_import = TaskNamed("leads.tasks.run_lead_import")
