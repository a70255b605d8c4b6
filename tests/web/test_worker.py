"""The worker: its job list and schedule, the lease that takes back a dead worker's task, and
real worker processes on one database that never run a task twice."""

import datetime
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from pytest_django.fixtures import Settings as SettingsWrapper

from reclaim.bank import make_signal
from reclaim.web.evidence import tasks
from reclaim.web.protection import bank
from reclaim.web.protection.models import ACTIVE, RECEIVED, BankEntry
from reclaim.web.worker import jobs, runner
from reclaim.web.worker.models import ScheduledRun

from .test_guessing import REPO, _shared_database
from .test_protection import picture_hash
from .worker_jobs import block_once, note

NOW = datetime.datetime(2026, 12, 1, 9, 0, 30, tzinfo=datetime.UTC)
# The jobs queued every minute (re-checks, hash activation, withdrawals still to ask).
EVERY_MINUTE = sum(p.every == datetime.timedelta(minutes=1) for p in jobs.SCHEDULE)


@pytest.mark.django_db
def test_every_periodic_job_is_in_the_job_list_and_the_list_names_the_three_kinds() -> None:
    names = {job.name for job in jobs.JOBS}
    assert {"capture", "recheck", "activate_hashes"} <= names
    assert all(periodic.job in jobs.JOBS for periodic in jobs.SCHEDULE)


@pytest.mark.django_db
def test_a_periodic_job_is_queued_once_a_period_however_many_workers_ask() -> None:
    assert runner.schedule(NOW) == len(jobs.SCHEDULE)
    assert runner.schedule(NOW + datetime.timedelta(seconds=20)) == 0, "same minute: queued"
    queued = Counter(row.task_path for row in DBTaskResult.objects.all())
    assert set(queued.values()) == {1}
    later = runner.schedule(NOW + datetime.timedelta(minutes=1))
    assert later == EVERY_MINUTE == 4, "the jobs of every minute, not the hourly ones"
    assert ScheduledRun.objects.count() == len(jobs.SCHEDULE), "older periods are forgotten"


@pytest.mark.django_db
def test_finished_periodic_runs_older_than_a_day_are_removed_when_a_period_begins() -> None:
    assert runner.run_due(NOW) == len(jobs.SCHEDULE)
    DBTaskResult.objects.update(finished_at=NOW - datetime.timedelta(days=2))
    runner.run_due(NOW + datetime.timedelta(seconds=10))  # same minute: nothing is tidied
    assert DBTaskResult.objects.count() == len(jobs.SCHEDULE)
    runner.run_due(NOW + datetime.timedelta(minutes=1))  # a new period: the old rows go
    assert DBTaskResult.objects.count() == EVERY_MINUTE, "only the new minute's runs are left"


@pytest.mark.django_db
def test_once_runs_the_waiting_capture_and_the_due_jobs(settings: SettingsWrapper) -> None:
    settings.CAPTURE_ALLOW_PRIVATE = False  # the capture is refused at once: no browser
    value, quality = picture_hash()
    bank.new_case([make_signal("ImagePDQ", value, quality)])
    assert BankEntry.objects.filter(status=RECEIVED).exists()
    tasks.queue_capture("personal", "http://127.0.0.1:9/secret", None)
    assert runner.run_due() == 1 + len(jobs.SCHEDULE)
    assert set(BankEntry.objects.values_list("status", flat=True)) == {ACTIVE}
    [failed] = tasks.tasks_for("personal")
    assert (failed.status, failed.problem) == ("failed", "private")


@pytest.mark.django_db
def test_a_task_whose_worker_died_is_made_ready_again_then_failed_after_three_runs() -> None:
    task_id = tasks.queue_capture("personal", "https://example.org/post", None)
    long_ago = timezone.now() - datetime.timedelta(hours=1)
    row = DBTaskResult.objects.filter(id=task_id)
    row.update(status=TaskResultStatus.RUNNING, started_at=long_ago, worker_ids=["a"])
    assert runner.reap(timezone.now()) == 1
    assert row.get().status == TaskResultStatus.READY
    row.update(status=TaskResultStatus.RUNNING, started_at=long_ago, worker_ids=["a", "b", "c"])
    assert runner.reap(timezone.now()) == 1
    assert row.get().status == TaskResultStatus.FAILED
    [view] = tasks.tasks_for("personal")
    assert (view.status, view.problem, view.url) == ("failed", "failed", "https://example.org/post")


@pytest.mark.django_db
def test_a_task_running_within_its_lease_is_left_alone() -> None:
    task_id = tasks.queue_capture("personal", "https://example.org/post", None)
    DBTaskResult.objects.filter(id=task_id).update(
        status=TaskResultStatus.RUNNING, started_at=timezone.now(), worker_ids=["a"]
    )
    assert runner.reap(timezone.now()) == 0


# Real processes on one database ---------------------------------------------------------------


def _worker(tmp_path: Path, database: str, *arguments: str) -> subprocess.Popen[str]:
    env = os.environ | {
        "DATABASE_URL": database,
        "SECRET_KEY": "one key for every process of this deployment " + "k2j4h6g8" * 4,
        "RECLAIM_DATA_DIR": str(tmp_path),
        "RECLAIM_TASK_LEASE_SECONDS": "1",  # the shortest: the killed-worker test waits it out
        "PYTHONPATH": os.pathsep.join([str(REPO / "src"), str(REPO)]),
    }
    command = [sys.executable, "-m", "reclaim.cli", "worker", *arguments]
    return subprocess.Popen(command, env=env, cwd=REPO, stdout=subprocess.PIPE, text=True)


@pytest.mark.django_db(transaction=True)
def test_two_worker_processes_run_each_task_exactly_once(tmp_path: Path) -> None:
    for number in range(300):
        note.enqueue(str(tmp_path), number)
    database = _shared_database(tmp_path)
    workers = [_worker(tmp_path, database, "--once") for _ in range(2)]
    for worker in workers:
        worker.communicate(timeout=300)
        assert worker.returncode == 0
    lines = (tmp_path / "ran.txt").read_text().split()
    runs = Counter(lines[0::2])
    assert runs == Counter({str(number): 1 for number in range(300)})
    assert len(set(lines[1::2])) == 2, "both processes ran tasks"


@pytest.mark.django_db(transaction=True)
def test_a_task_whose_worker_was_killed_is_finished_by_another(tmp_path: Path) -> None:
    block_once.enqueue(str(tmp_path))
    database = _shared_database(tmp_path)
    first = _worker(tmp_path, database)
    try:
        deadline = time.monotonic() + 120
        while not (tmp_path / "started").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert (tmp_path / "started").read_text() == str(first.pid)
    finally:
        first.send_signal(signal.SIGKILL)  # mid-task: its row stays "running"
        first.communicate(timeout=30)
    time.sleep(1.1)  # past the lease (RECLAIM_TASK_LEASE_SECONDS=1), counted from the claim
    second = _worker(tmp_path, database, "--once")
    second.communicate(timeout=120)
    assert (tmp_path / "finished").read_text() == str(second.pid)
