"""The console's background jobs: re-checking case addresses and watching for reappearance,
deleting closed cases whose retention period is over, deleting referral containers past
the survivor's "until", deleting drafts left for more than a day, and counting the
statistics' figures.

Declared as periodic jobs in reclaim.web.worker.jobs; the work and its rules live in
reclaim.web.console.rechecks (each address's own next time, the chunk a run takes, the hold)
and reclaim.web.console.deletion and .expiry.
"""

from django_tasks import task

from reclaim.web.console import deletion, drafts, expiry, rechecks, statistics


@task()
def delete_expired_cases() -> int:
    """Delete closed cases past their retention date (a bounded batch); return how many."""
    return deletion.delete_expired()


@task()
def recheck_case_addresses() -> int:
    """Re-check the case addresses whose time has come (one chunk); return how many."""
    return rechecks.run_due_rechecks()


@task()
def delete_expired_referrals() -> int:
    """Delete referral containers past the survivor's "until" (a bounded batch); return how many."""
    return expiry.delete_expired_referrals()


@task()
def delete_old_drafts() -> int:
    """Delete drafts saved more than drafts.DRAFT_HOURS ago; return how many."""
    return drafts.delete_old()


@task()
def refresh_figures() -> int:
    """Count and keep every helpline's statistics (the page reads them); return how many."""
    return statistics.refresh_all()
