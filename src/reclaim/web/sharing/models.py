"""What the database keeps for referrals: only a withdrawal the helpline has not yet answered.

The referrals themselves, with their consent tokens, live in the person's locker. When the
helpline cannot be reached as the person stops sharing, the worker (which holds no locker key)
keeps asking: the address and the token are sealed with a key derived from SECRET_KEY, like a
capture task's address. The helpline's answer waits here until the person's next change, which
records it in the locker and removes the row.
"""

from django.db import models


class PendingWithdrawal(models.Model):
    """One withdrawal of consent, asked for and not yet confirmed by the helpline."""

    locker_ref = models.CharField(max_length=40)
    referral_id = models.CharField(max_length=32)
    payload = models.BinaryField()  # sealed: the helpline's address, the token, whether sent
    next_try = models.DateTimeField(db_index=True)
    tries = models.PositiveIntegerField(default=0)
    withdrawn_utc = models.CharField(max_length=40, blank=True)  # the helpline's answer, once

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["locker_ref", "referral_id"], name="one_pending_withdrawal"
            )
        ]
