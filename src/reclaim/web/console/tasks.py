"""The console's background jobs: re-checking case addresses and watching for reappearance,
deleting closed cases whose retention period is over, and counting the statistics' figures.

Declared as periodic jobs in reclaim.web.worker.jobs; the work and its rules live in
reclaim.web.console.rechecks (each address's own next time, the chunk a run takes, the hold)
and reclaim.web.console.deletion.
"""

from django_tasks import task

from reclaim.web.console import deletion, rechecks, statistics


@task()
def delete_expired_cases() -> int:
    """Delete closed cases past their retention date (a bounded batch); return how many."""
    return deletion.delete_expired()


@task()
def recheck_case_addresses() -> int:
    """Re-check the case addresses whose time has come (one chunk); return how many."""
    return rechecks.run_due_rechecks()


@task()
def refresh_figures() -> int:
    """Count and keep every helpline's statistics (the page reads them); return how many."""
    return statistics.refresh_all()
