"""What access keeps: counts only, under keyed digests, so no name, number or address is stored."""

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
