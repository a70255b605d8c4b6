"""What the database keeps for the locker: never evidence, never anything readable about it.

Lockers live in folders (reclaim.locker); the database only knows which folder belongs to
which survivor account (service mode) and the capture tasks waiting for the worker, whose
addresses are sealed (reclaim.web.evidence.tasks). Tries at sign-in are counted by
reclaim.web.access.
"""

from django.db import models


class SurvivorAccount(models.Model):
    """A survivor's account in service mode: a username and a locker, no email, no name.

    The passphrase is checked by opening the locker with it; nothing here can check it.
    """

    username = models.CharField(max_length=64, unique=True)
    locker_id = models.CharField(max_length=32, unique=True)
    created = models.DateTimeField(auto_now_add=True)


class Task(models.Model):
    """A background job (a web capture) for one locker; its payload is sealed."""

    QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
    STATUSES = [(s, s) for s in (QUEUED, RUNNING, DONE, FAILED)]

    kind = models.CharField(max_length=16)
    locker_ref = models.CharField(max_length=40, db_index=True)
    payload = models.BinaryField()
    status = models.CharField(max_length=8, choices=STATUSES, default=QUEUED)
    problem = models.BinaryField(null=True)
    created = models.DateTimeField(auto_now_add=True)
    started = models.DateTimeField(null=True)
    finished = models.DateTimeField(null=True)

    class Meta:
        ordering = ["id"]
