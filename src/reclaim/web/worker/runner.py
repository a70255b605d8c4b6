"""Running the jobs: claim a ready task, run it, again, with a lease and a schedule.

The queue is django-tasks-db's table: a task is claimed in a transaction that locks its row
(SELECT ... FOR UPDATE SKIP LOCKED on PostgreSQL, an exclusive transaction on SQLite), so two
workers never run the same task. What this module adds to the library:
- a lease: a task left running for longer than TASK_LEASE_SECONDS was held by a worker that
  died (killed, the machine restarted) and is made ready again, at most MAX_RUNS times;
- the schedule (reclaim.web.worker.jobs.SCHEDULE): each periodic job is queued once a period
  by whichever worker gets there first (a unique row per job and period);
- pruning: a periodic job's finished rows are removed after KEEP_FINISHED.

The library's own loop (manage.py db_worker) is not used: it closes the database connection
between tasks, which a test's transaction cannot survive, and has no lease or schedule.
"""

import datetime
import logging
import os
import socket
import threading
import time
from typing import Any

from django.conf import settings
from django.db import IntegrityError, OperationalError, close_old_connections, transaction
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from reclaim.web.evidence.tasks import remove_abandoned_scratch
from reclaim.web.worker.jobs import SCHEDULE, Periodic
from reclaim.web.worker.models import ScheduledRun

POLL_SECONDS = 1.0
MAX_RUNS = 3  # a task whose worker died this many times fails instead (it may be the cause)
KEEP_FINISHED = datetime.timedelta(days=1)
LOCKED_TRIES = 20  # SQLite: tries at a claim while another worker holds the database
log = logging.getLogger(__name__)


def worker_id() -> str:
    """Return a name for this worker: host, process and thread (at most 64 characters)."""
    return f"{socket.gethostname()[:30]}-{os.getpid()}-{threading.get_ident() % 10**9}"


def run_due(now: datetime.datetime | None = None) -> int:
    """Take back dead workers' tasks, queue the periodic jobs that are due, run what is ready.

    Return how many tasks ran. ``reclaim worker --once`` is one call of this.
    """
    now = now or timezone.now()
    reap(now)
    if schedule(now):  # a new period began: the time to tidy, not every poll
        prune(now)
    return run_ready()


def run_ready() -> int:
    """Run every task that is ready now, one after another; return how many ran."""
    runner = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id(),
        excluded_queue_names=[],
    )
    ran = 0
    while (row := _claim(runner.worker_id)) is not None:
        runner.run_task(row)  # marks it successful or failed; never raises
        ran += 1
    return ran


def _claim(name: str) -> DBTaskResult[Any, Any] | None:
    for _ in range(LOCKED_TRIES):
        ready = DBTaskResult.objects.ready()
        try:
            with exclusive_transaction(ready.db):
                row = ready.get_locked()
                if row is not None:
                    row.claim(name)
                return row
        except OperationalError as error:
            if not is_locked_database_exception(error):
                raise
            time.sleep(0.05)  # another worker is claiming: its transaction is short
    return None


def reap(now: datetime.datetime) -> int:
    """Make ready again the tasks whose worker died (running past the lease); return how many.

    One that has been claimed MAX_RUNS times is failed instead.
    """
    cutoff = now - datetime.timedelta(seconds=settings.TASK_LEASE_SECONDS)
    taken = 0
    for row in DBTaskResult.objects.running().filter(started_at__lt=cutoff):
        held = DBTaskResult.objects.filter(id=row.id, status=row.status, started_at=row.started_at)
        if len(row.worker_ids) >= MAX_RUNS:
            taken += held.update(
                status=TaskResultStatus.FAILED,
                finished_at=now,
                exception_class_path="reclaim.web.worker.runner.WorkerDied",
            )
        else:
            taken += held.update(status=TaskResultStatus.READY, started_at=None)
    if taken:
        log.warning("%d tasks whose worker stopped were taken back", taken)
    return taken


def schedule(now: datetime.datetime) -> int:
    """Queue each periodic job whose period has not been queued yet; return how many."""
    return sum(_queue_once(periodic, now) for periodic in SCHEDULE)


def _queue_once(periodic: Periodic, now: datetime.datetime) -> bool:
    path = periodic.job.module_path
    period = int(now.timestamp() // periodic.every.total_seconds())
    if ScheduledRun.objects.filter(job=path, period=period).exists():
        return False  # the usual poll: a read, where an insert would take SQLite's write lock
    try:
        with transaction.atomic():
            ScheduledRun.objects.create(job=path, period=period)
            periodic.job.enqueue()
    except IntegrityError:
        return False  # another worker queued this period's run
    ScheduledRun.objects.filter(job=path, period__lt=period).delete()
    return True


def prune(now: datetime.datetime) -> int:
    """Remove the periodic jobs' rows finished before KEEP_FINISHED; return how many."""
    paths = [periodic.job.module_path for periodic in SCHEDULE]
    old = DBTaskResult.objects.finished().filter(
        task_path__in=paths, finished_at__lt=now - KEEP_FINISHED
    )
    return int(old.delete()[0])


def run_worker(stop: threading.Event) -> None:
    """Run jobs until ``stop`` is set, looking again every POLL_SECONDS when idle."""
    remove_abandoned_scratch()  # at start: the last run may have been killed mid-capture
    while not stop.is_set():
        try:
            busy = run_due() > 0
        except Exception:
            log.exception("the task worker hit an error; it carries on")
            busy = False
        finally:
            close_old_connections()
        if not busy:
            stop.wait(POLL_SECONDS)


def start_worker_thread() -> threading.Event:
    """Start a worker in a daemon thread (personal mode); return the event that stops it."""
    stop = threading.Event()
    threading.Thread(target=run_worker, args=(stop,), name="reclaim-worker", daemon=True).start()
    return stop
