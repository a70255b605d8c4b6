"""The console's background job: re-checking case addresses, watching for reappearance.

Declared as a periodic job in reclaim.web.worker.jobs; the work and its rules live in
reclaim.web.console.rechecks (each address's own next time, the chunk a run takes, the hold).
"""

from django_tasks import task

from reclaim.web.console import rechecks


@task()
def recheck_case_addresses() -> int:
    """Re-check the case addresses whose time has come (one chunk); return how many."""
    return rechecks.run_due_rechecks()
