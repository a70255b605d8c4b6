"""What batches and re-checks keep: batches sent, each address's watch, staff notifications.

- A ``Batch`` is one request to a platform listing many addresses, as sent (by email) or as
  recorded after a caseworker submitted its form pack; ``BatchItem`` names each address in it
  by its number in the request. Its ``key`` makes sending the same batch twice impossible.
- An ``AddressWatch`` is the worker's bookkeeping for one case address: when to look next,
  the page's fingerprint after the first look, and what the last look saw.
- A ``Notification`` tells a caseworker something the worker found (an address back online);
  it is shown on the queue until read, and carries no case content.

Models here are imported by reclaim.web.console.models, so Django finds them; they name the
console's other models by label, so this module imports none of them.
"""

from django.db import models


class Batch(models.Model):
    """One request to one platform listing many addresses, and how it went."""

    class How(models.TextChoices):
        EMAIL = "email", "sent by email"
        FORM = "form", "form pack submitted by a caseworker"

    helpline = models.ForeignKey("console.Helpline", on_delete=models.PROTECT, related_name="+")
    # SHA-256 of what makes the batch the same batch (its addresses and their history): a
    # second send of it finds the key taken and is refused.
    key = models.CharField(max_length=64)
    platform = models.CharField(max_length=100)
    route = models.CharField(max_length=100)  # the route's purpose
    route_index = models.IntegerField()  # which of the platform's routes, in the directory
    profile = models.CharField(max_length=100)
    member = models.ForeignKey(
        "console.StaffMember", null=True, on_delete=models.PROTECT, related_name="batches"
    )
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)  # None while the email is going
    how = models.CharField(max_length=10, choices=How.choices)
    recipient = models.CharField(max_length=300, blank=True)  # the email address or form
    message_id = models.CharField(max_length=300, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["helpline", "key"], name="one_batch_per_key")
        ]

    def __str__(self) -> str:
        return f"{self.platform} ({self.count})"


class BatchItem(models.Model):
    """One address in a batch, by its number in the request (the platform answers by it)."""

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="items")
    address = models.ForeignKey(
        "console.CaseAddress", on_delete=models.CASCADE, related_name="batch_items"
    )
    number = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.number}"


class AddressWatch(models.Model):
    """The worker's record of one case address: when it looks next and what it saw last."""

    address = models.OneToOneField(
        "console.CaseAddress", primary_key=True, on_delete=models.CASCADE, related_name="watch"
    )
    next_check_at = models.DateTimeField()
    claimed_until = models.DateTimeField(null=True, blank=True)  # a worker's hold on it
    digest = models.CharField(max_length=64, blank=True)  # the page as first seen up
    outcome = models.CharField(max_length=12, blank=True)  # reclaim.notices re-check outcome
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["next_check_at"], name="watch_due")]

    def __str__(self) -> str:
        return f"watch {self.pk}"


class Notification(models.Model):
    """Something a member should know, shown on their queue until read; no case content.

    ``member`` is the case's caseworker; None when the case had none (then everyone who
    sees the case sees it).
    """

    class Kind(models.TextChoices):
        REAPPEARED = "reappeared", "an address is back online"

    helpline = models.ForeignKey("console.Helpline", on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey(
        "console.StaffMember",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="notifications",
    )
    case = models.ForeignKey("console.Case", on_delete=models.CASCADE, related_name="notifications")
    address = models.ForeignKey(
        "console.CaseAddress", null=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["helpline", "member", "read_at"], name="notification_unread")
        ]

    def __str__(self) -> str:
        return self.kind
