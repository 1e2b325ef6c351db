"""A service enqueues its own app's task by name (crm.tenancy.tasks.TaskNamed): it must find the
task in a process that never imported the app's tasks module, as the web's and a command's."""

import os
import subprocess
import sys

from django.conf import settings

FRESH_PROCESS = """
import django
django.setup()
from leads.queued_tasks import run_lead_import
from messaging.queued_tasks import sandbox_report
from tickets.queued_tasks import process_inbound_event
for task in (run_lead_import, sandbox_report, process_inbound_event):
    print(task.name, callable(task.apply_async))
"""


def test_a_queued_task_is_found_in_a_process_that_imported_no_tasks_module():
    done = subprocess.run(  # noqa: S603  (this interpreter, a fixed script)
        [sys.executable, "-c", FRESH_PROCESS],
        cwd=settings.BASE_DIR,
        env={**os.environ},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split("\n")[:3] == [
        "leads.tasks.run_lead_import True",
        "messaging.tasks.sandbox_report True",
        "tickets.tasks.process_inbound_event True",
    ]
