"""What access keeps: counts under keyed digests, and which locker folder is whose account.

No name, number or address is stored, and never evidence.
"""

from django.db import models


class Attempts(models.Model):
    """Tries at one secret (a passphrase, a recovery code, a PIN, a staff password).

    Each try is counted before its secret is checked, so a try still under way counts too.
    """

    key = models.CharField(max_length=64, unique=True)  # keyed digest of what was tried
    tries = models.PositiveIntegerField(default=0)
    window_start = models.DateTimeField(db_index=True)
    held_until = models.DateTimeField(null=True)


class ClientCount(models.Model):
    """Calls one client made to one kind of endpoint in one hour."""

    key = models.CharField(max_length=64)  # keyed digest of the kind and the client's address
    hour = models.BigIntegerField(db_index=True)  # hours since 1970: the window counted
    calls = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "hour"], name="one_count_per_hour")]


class SurvivorAccount(models.Model):
    """A survivor's account in service mode: a username and a locker, no email, no name.

    The passphrase is checked by opening the locker with it; nothing here can check it. The
    locker lives in a folder (reclaim.locker); the database only knows whose it is.
    """

    username = models.CharField(max_length=64, unique=True)
    locker_id = models.CharField(max_length=32, unique=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        # Made by the evidence app before access held the lockers: the table keeps its name.
        db_table = "evidence_survivoraccount"
