"""The console's background job: deleting closed cases whose retention period is over.

Declared as a periodic job in reclaim.web.worker.jobs; the rules live in
reclaim.web.console.deletion.
"""

from django_tasks import task

from reclaim.web.console import deletion


@task()
def delete_expired_cases() -> int:
    """Delete closed cases past their retention date (a bounded batch); return how many."""
    return deletion.delete_expired()
