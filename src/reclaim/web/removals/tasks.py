"""The removals app's background job: re-checking reported addresses, and reminders.

Declared as a periodic job in reclaim.web.worker.jobs; the work and its rules live in
reclaim.web.removals.services (each watch's own time, its claim, the reminder once a
deadline passes).
"""

from django_tasks import task

from reclaim.web.removals import services


@task()
def recheck() -> bool:
    """Re-check the addresses whose time has come and send due reminders; return if any ran."""
    return services.run_due_rechecks()
