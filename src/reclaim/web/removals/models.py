"""What the database keeps for removal requests: only what the worker needs, sealed.

The requests themselves live in the person's locker (reclaim.notices.LockerRequestStore).
The worker holds no locker key, so each open request has a Watch: its address, the page's
digest and the case's image hashes, sealed with a key derived from SECRET_KEY (like a
capture task), and when to look next. What the worker sees waits here, sealed, until the
person next opens their requests; then it is recorded in the locker and cleared.
"""

from django.db import models


class Watch(models.Model):
    """One open request's address, looked at again on a schedule."""

    locker_ref = models.CharField(max_length=40)
    request_id = models.CharField(max_length=32)
    payload = models.BinaryField()  # sealed: url, page digest, image hashes, reminder address
    next_check = models.DateTimeField(db_index=True)
    claimed_until = models.DateTimeField(null=True)  # a worker is looking at it until then
    deadline = models.DateTimeField(null=True)  # when the platform's time runs out
    reminded = models.BooleanField(default=False)  # the one reminder email for this deadline
    results = models.BinaryField(null=True)  # sealed list of re-checks not yet recorded

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["locker_ref", "request_id"], name="one_watch")
        ]
