"""The sharing app's background job: asking helplines again about withdrawals not yet answered.

Declared as a periodic job in reclaim.web.worker.jobs; the rules live in services.
"""

from django_tasks import task

from reclaim.web.sharing import services


@task()
def retry_withdrawals() -> int:
    """Ask the helplines whose answer is due about the withdrawals waiting; return how many."""
    return services.retry_withdrawals()
