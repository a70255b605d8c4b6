"""Every job the worker runs, and the schedule of the periodic ones.

Jobs are django-tasks tasks, each in its own app's ``tasks`` module, each a thin call into
that app's services. A job queued on demand (a capture) runs as soon as a worker is free; a
periodic job is queued once per interval by whichever worker gets there first
(reclaim.web.worker.runner.schedule). Not here: trusted timestamps, which need the locker's
key and are asked for by the person's own pages (reclaim.web.access.lockers).
"""

import datetime
from dataclasses import dataclass
from typing import Any

from django_tasks.base import Task

from reclaim.web.console.statistics import FIGURES_REFRESH_MINUTES
from reclaim.web.console.tasks import (
    delete_expired_cases,
    delete_expired_referrals,
    delete_old_drafts,
    recheck_case_addresses,
    refresh_figures,
)
from reclaim.web.evidence.tasks import capture
from reclaim.web.protection.tasks import activate_hashes, save_bank_index
from reclaim.web.removals.tasks import recheck
from reclaim.web.sharing.tasks import retry_withdrawals


@dataclass(frozen=True)
class Periodic:
    """A job queued once in every ``every``."""

    job: Task[Any, Any]
    every: datetime.timedelta


JOBS: tuple[Task[Any, Any], ...] = (
    capture,
    recheck,
    activate_hashes,
    save_bank_index,
    delete_expired_cases,
    delete_expired_referrals,
    delete_old_drafts,
    recheck_case_addresses,
    refresh_figures,
    retry_withdrawals,
)

SCHEDULE = (
    # Each watch keeps its own next time (RECHECK_HOURS); a minute is how late one may start.
    # The same job sends the reminders of requests whose deadline has passed.
    Periodic(recheck, datetime.timedelta(minutes=1)),
    # A helpline's case addresses: each has its own next time, spread over RECHECK_HOURS, and
    # a run takes one bounded chunk (reclaim.web.console.rechecks), so a minute keeps pace.
    Periodic(recheck_case_addresses, datetime.timedelta(minutes=1)),
    # Platforms read the bank's changes in batches of FEED_BATCH_MINUTES (10 by default): a
    # minute's wait for a received hash to become active is well inside one batch.
    Periodic(activate_hashes, datetime.timedelta(minutes=1)),
    # A person stopped sharing and the helpline could not be reached: each waiting withdrawal
    # keeps its own next time (1, 2, 4... minutes, then 6 hours); a minute is how late it starts.
    Periodic(retry_withdrawals, datetime.timedelta(minutes=1)),
    # A restart loads the saved index and catches up from there: an hour's changes at most.
    Periodic(save_bank_index, datetime.timedelta(hours=1)),
    # Closed cases are kept for months (the helpline's retention setting); an hour late is
    # nothing beside that, and each run deletes a bounded batch (deletion.RETENTION_BATCH).
    Periodic(delete_expired_cases, datetime.timedelta(hours=1)),
    # A survivor shares until a time they chose; past it the container no longer opens, and
    # ten minutes is how long its ciphertext may outlive that (reclaim.web.console.expiry).
    Periodic(delete_expired_referrals, datetime.timedelta(minutes=10)),
    # A draft left by a member who closed the tab without signing out is unreadable after a day
    # (reclaim.web.console.drafts.DRAFT_HOURS); an hour later at most, it is deleted.
    Periodic(delete_old_drafts, datetime.timedelta(hours=1)),
    # The statistics page reads figures counted by this job (reading every case and address
    # takes seconds at a large helpline's size); the page says when they were counted.
    Periodic(refresh_figures, datetime.timedelta(minutes=FIGURES_REFRESH_MINUTES)),
)
