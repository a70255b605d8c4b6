"""Background tasks: web captures and re-checks, run by a worker that holds no locker's key.

The person asks for a capture; a Task row waits with its address sealed (AES-256-GCM, a key
derived from SECRET_KEY, so a copy of the database alone does not show what was captured).
The worker captures the page with Chromium and seals the files into the locker's inbox with
the locker's public key (reclaim.locker's inbox); the next page the person opens in their
locker takes them in as evidence. A capture that fails keeps its address and reason sealed
to the locker's inbox key too, so the person still reads them after a restart (when personal
mode's SECRET_KEY is new). The same worker re-checks the addresses of open removal
requests (reclaim.web.removals.services) and makes the hash bank's received hashes active.
`reclaim serve` runs a worker thread in personal mode; a
service runs `reclaim worker`.

The worker's files exist in plaintext only while Chromium writes them, in a folder under
DATA_DIR that is private (0700) and removed as soon as they are sealed; one a killed worker
left behind is removed by the next capture.
"""

import json
import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

from reclaim.errors import ReclaimError
from reclaim.locker import (
    Locker,
    LockerError,
    SealError,
    remove_abandoned,
    scratch_folder,
    seal_bytes,
    unseal_bytes,
)
from reclaim.web.evidence.models import Task
from reclaim.web.evidence.session import locker_folder
from reclaim.web.messages import capture_problem

CAPTURE = "capture"
# A refused capture's note, sealed to the locker: marked so it is told from older rows.
OWNER_NOTE = b"owner-note:"
REFUSAL = "capture-refused"
FAILED = "failed"  # reclaim.capture.CaptureReason.FAILED, without loading Playwright
POLL_SECONDS = 1.0
SCRATCH_EXPORTS = (
    "exports"  # under DATA_DIR: where web exports decrypt (reclaim.web.evidence.packs)
)
SCRATCH_CAPTURES = "captures"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TaskView:
    """What the person sees of a task: the address, where it stands, what went wrong."""

    id: int
    url: str
    incident: str | None
    status: str
    problem: str  # a reason code (reclaim.capture.CaptureReason, or "restarted")

    @property
    def message(self) -> str:
        """Return what went wrong in plain words in the page's language, never the detail."""
        return capture_problem(self.problem)


def queue_capture(ref: str, url: str, incident: str | None) -> Task:
    """Queue a capture of ``url`` for the locker ``ref``; the worker picks it up."""
    payload = seal_payload({"url": url, "incident": incident})
    return Task.objects.create(kind=CAPTURE, locker_ref=ref, payload=payload)


def tasks_for(ref: str, box: Locker | None = None) -> list[TaskView]:
    """Return the locker's tasks that are waiting, running or failed.

    Given the open locker, a refused capture's address and reason are read from the note
    sealed to it, which outlives a restart (and a SECRET_KEY made afresh for each run).
    """
    waiting = Task.objects.filter(locker_ref=ref).exclude(status=Task.DONE)
    return [_view(task, box) for task in waiting]


def forget_done(ref: str) -> None:
    """Remove the locker's finished tasks (their captures are in the locker now)."""
    Task.objects.filter(locker_ref=ref, status=Task.DONE).delete()


def dismiss(ref: str, task_id: int) -> None:
    """Remove a failed task the person has read about."""
    Task.objects.filter(locker_ref=ref, id=task_id, status=Task.FAILED).delete()


def run_next() -> bool:
    """Claim and run the oldest waiting task; return False if there was none."""
    task = Task.objects.filter(status=Task.QUEUED).first()
    if task is None:
        return False
    claimed = Task.objects.filter(id=task.id, status=Task.QUEUED).update(
        status=Task.RUNNING, started=timezone.now()
    )
    if claimed:  # another worker may have taken it between the two queries
        _run(task)
    return True


def remove_abandoned_scratch() -> None:
    """Remove the plaintext that killed exports and captures left in the data folder."""
    for folder in (SCRATCH_EXPORTS, SCRATCH_CAPTURES):
        remove_abandoned(Path(settings.DATA_DIR) / folder)


def run_worker(stop: threading.Event) -> None:
    """Run tasks until ``stop`` is set, waiting POLL_SECONDS when there are none."""
    remove_abandoned_scratch()  # at start: the last run may have been killed mid-capture
    while not stop.is_set():
        try:
            busy = run_next() | _run_rechecks() | _activate_hashes()
        except Exception:
            log.exception("the task worker hit an error; it carries on")
            busy = False
        finally:
            close_old_connections()
        if not busy:
            stop.wait(POLL_SECONDS)


def _run_rechecks() -> bool:
    from reclaim.web.removals.services import run_due_rechecks  # the removal requests' watches

    return run_due_rechecks()


def _activate_hashes() -> bool:
    from reclaim.web.protection.bank import activate_received  # the hash bank's new hashes

    return activate_received() > 0


def start_worker_thread() -> threading.Event:
    """Start a worker in a daemon thread (personal mode); return the event that stops it."""
    stop = threading.Event()
    threading.Thread(target=run_worker, args=(stop,), name="reclaim-worker", daemon=True).start()
    return stop


def _run(task: Task) -> None:
    problem = ""
    try:
        _capture(task)
    except ReclaimError as error:
        # Only the reason is kept: the English detail may hold the browser's call log.
        problem = str(getattr(error, "reason", FAILED))
        log.info("a capture failed: %s", problem)  # the address is never logged
    except Exception:
        log.exception("a capture failed unexpectedly")
        problem = FAILED
    Task.objects.filter(id=task.id).update(
        status=Task.FAILED if problem else Task.DONE,
        problem=_refusal(task, problem) if problem else None,
        finished=timezone.now(),
    )


def _refusal(task: Task, problem: str) -> bytes:
    """Return why a capture failed, with its address, sealed to the locker's inbox key.

    The worker cannot read the locker, but it can seal to it; the owner reads the note with
    the locker open, after a restart too. Without an inbox key, it is sealed as the address is.
    """
    try:
        url = unseal_payload(bytes(task.payload))["url"]
        note = json.dumps({"url": url, "problem": problem}).encode()
        return OWNER_NOTE + Locker.seal_note(locker_folder(task.locker_ref), REFUSAL, note)
    except (SealError, LockerError, OSError):
        return seal_payload({"problem": problem})


def _capture(task: Task) -> None:
    from reclaim.capture import capture_page  # Playwright loads only in the worker

    request = unseal_payload(bytes(task.payload))
    root = locker_folder(task.locker_ref)
    # Private, removed when done; one a killed worker left is removed by the next capture.
    with scratch_folder(Path(settings.DATA_DIR) / SCRATCH_CAPTURES, "capture") as scratch:
        capture = capture_page(
            request["url"], scratch.path / "capture", settings.CAPTURE_ALLOW_PRIVATE
        )
        details = capture.locker_details()  # the address, time, status and signing key
        Locker.deliver(root, capture.files, CAPTURE, request["incident"], details)


def _view(task: Task, box: Locker | None) -> TaskView:
    sealed = bytes(task.problem) if task.problem else b""
    if sealed.startswith(OWNER_NOTE) and box is not None:
        try:
            note = json.loads(box.open_note(REFUSAL, sealed[len(OWNER_NOTE) :]))
            return TaskView(task.id, note["url"], None, Task.FAILED, note["problem"])
        except (SealError, ValueError):
            pass  # not this locker's note: said as a restart below
    try:
        request = unseal_payload(bytes(task.payload))
        problem = unseal_payload(sealed)["problem"] if sealed else ""
    except SealError:  # sealed under an earlier SECRET_KEY (personal mode makes one per run)
        return TaskView(task.id, "", None, Task.FAILED, "restarted")
    return TaskView(task.id, request["url"], request["incident"], task.status, problem)


def _key() -> bytes:
    hkdf = HKDF(algorithm=SHA256(), length=32, salt=None, info=b"reclaim-task-payload")
    return hkdf.derive(settings.SECRET_KEY.encode())


def seal_payload(content: Mapping[str, Any]) -> bytes:
    """Return ``content`` as JSON sealed with a key derived from SECRET_KEY."""
    return seal_bytes(_key(), b"task", json.dumps(content).encode())


def unseal_payload(sealed: bytes) -> dict[str, Any]:
    """Return what ``seal_payload`` sealed; raise SealError if SECRET_KEY has changed."""
    return dict(json.loads(unseal_bytes(_key(), b"task", sealed)))
