"""The hash bank: protection cases, their hashes, the change feed, platforms and their tokens.

Nothing here can show an image: a case is a number, a slow hash of its PIN and its hashes.
No name, no email, no address of the person is ever asked for or stored.
"""

import secrets

from django.db import models

from reclaim.bank import SignalType

# StopNCII's words where they fit, so that platforms that integrate it find them familiar.
SIGNAL_TYPES = [(s.value, s.value) for s in SignalType]
RECEIVED, ACTIVE, WITHDRAWN, DELETED = "Received", "Active", "Withdrawn", "Deleted"
STATUSES = [(s, s) for s in (RECEIVED, ACTIVE, WITHDRAWN, DELETED)]
PENDING_REVIEW, BLOCKED, NOT_BLOCKED = "PendingReview", "Blocked", "NotBlocked"
VERDICTS = [(v, v) for v in (PENDING_REVIEW, BLOCKED, NOT_BLOCKED)]


class ProtectionCase(models.Model):
    """One person's submission: found again only with its number and PIN."""

    number = models.CharField(max_length=16, unique=True)
    pin_hash = models.CharField(max_length=200)  # Argon2id, never the PIN itself
    created = models.DateTimeField(auto_now_add=True)


def new_public_id() -> str:
    """Return a random id for an entry as platforms see it: it says nothing about its case."""
    return secrets.token_hex(12)


class BankEntry(models.Model):
    """One hash in the bank: a picture's PDQ, a video's MD5 or a video's vPDQ frames.

    Platforms see ``public_id``, never the row's id: ids in sequence would show which hashes
    came in together, and so which belong to one person.
    """

    public_id = models.CharField(max_length=24, unique=True, default=new_public_id)
    case = models.ForeignKey(ProtectionCase, on_delete=models.CASCADE, related_name="entries")
    signal_type = models.CharField(max_length=12, choices=SIGNAL_TYPES)
    value = models.TextField()  # PDQ or MD5 hex; vPDQ frames as "pdqhex,quality,seconds" lines
    quality = models.PositiveSmallIntegerField(null=True)
    fingerprint = models.CharField(max_length=64)  # SHA-256 of type and value: one per case
    status = models.CharField(max_length=10, choices=STATUSES, default=RECEIVED, db_index=True)
    # The status platforms last read in the feed: it changes only when a batch is published,
    # so that nothing a platform reads changes before then (see FeedChange).
    feed_status = models.CharField(max_length=10, choices=STATUSES, blank=True, default="")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "fingerprint"], name="one_hash_per_case")
        ]


class BankChange(models.Model):
    """The bank's own append-only change log: this process's match index follows it at once.

    Changes are written under the BankClock row's lock, so their ids commit in order and an
    index reading "since change N" never skips one committed later with a smaller id.
    Platforms never read it: its changes reach them in batches, as FeedChange rows.
    """

    entry = models.ForeignKey(BankEntry, on_delete=models.CASCADE, related_name="changes")
    status = models.CharField(max_length=10, choices=STATUSES)
    at = models.DateTimeField()  # bank.now(): which batch the change belongs to
    published = models.BooleanField(default=False)  # taken into a batch of the feed

    class Meta:
        indexes = [models.Index(fields=["published", "at"], name="change_unpublished")]


class BankClock(models.Model):
    """One row, locked while changes are appended or a batch of them is published.

    ``ticks`` grows with every change appended: a match index reads it (one row by its key)
    to know whether there is anything to catch up on.
    """

    ticks = models.BigIntegerField(default=0)
    published_through = models.DateTimeField(null=True)  # the last batch's closing time


class FeedChange(models.Model):
    """The feed platforms read: changes published in batches, never one case at a time.

    A batch holds every change made before its closing time, of every case, additions and
    withdrawals alike, in a shuffled order and with one time for all (bank.publish_due). Its
    cursor is given when it is published, so cursors grow from batch to batch.
    """

    cursor = models.BigIntegerField(primary_key=True)
    entry = models.ForeignKey(BankEntry, on_delete=models.CASCADE, related_name="feed_changes")
    status = models.CharField(max_length=10, choices=STATUSES)
    changed_at = models.DateTimeField()  # the batch's closing time, the same for all its rows


class Platform(models.Model):
    """A platform that fetches the bank, matches and reports back; registered by an admin."""

    name = models.CharField(max_length=200, unique=True)
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class ApiToken(models.Model):
    """A platform's API token: only its SHA-256 is kept; it can be revoked, and can expire."""

    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="tokens")
    prefix = models.CharField(max_length=12, db_index=True)  # shown to admins to tell tokens apart
    digest = models.CharField(max_length=64, unique=True)
    scopes = models.CharField(max_length=100)  # space-separated: bank:read match feedback
    created = models.DateTimeField(auto_now_add=True)
    revoked = models.DateTimeField(null=True)
    last_used = models.DateTimeField(null=True)
    expires = models.DateTimeField(null=True, blank=True)  # None: works until revoked


class Feedback(models.Model):
    """What one platform did about one bank entry it matched: the latest verdict counts."""

    entry = models.ForeignKey(BankEntry, on_delete=models.CASCADE, related_name="feedback")
    platform = models.ForeignKey(Platform, on_delete=models.CASCADE)
    verdict = models.CharField(max_length=14, choices=VERDICTS)
    at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["entry", "platform"], name="one_verdict_per_platform")
        ]


class MatchSeen(models.Model):
    """That one platform's query matched one bank entry (once per pair; never where)."""

    entry = models.ForeignKey(BankEntry, on_delete=models.CASCADE, related_name="matches")
    platform = models.ForeignKey(Platform, on_delete=models.CASCADE)
    first = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["entry", "platform"], name="one_match_per_platform")
        ]
