"""What the console keeps: helplines, their staff, cases, addresses and the audit log.

Case content (what happened, the contact details) is kept sealed with the helpline's data key
(reclaim.web.console.keys); the rows hold only what the queue filters and sorts on. Staff are
deactivated, never deleted, so that the audit log keeps naming who did what.
"""

from typing import TYPE_CHECKING, Any, ClassVar, NoReturn

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device

if TYPE_CHECKING:  # django-otp ships no types, and a model on an Any base stops django-stubs
    OTPDevice = models.Model
else:
    OTPDevice = Device


class Helpline(models.Model):
    """One helpline; several may share a deployment, and every query is scoped to one."""

    slug = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    created = models.DateTimeField(auto_now_add=True)
    # A random 32-byte data key, sealed with a key derived from RECLAIM_HELPLINE_SECRET.
    sealed_key = models.BinaryField()
    # The helpline's age (X25519) identity, sealed with the data key; referrals are encrypted
    # to its public recipient, which anyone may see.
    sealed_identity = models.BinaryField()
    recipient = models.CharField(max_length=100)
    # Settings an administrator changes on the settings page.
    retention_months = models.PositiveSmallIntegerField(default=12)
    reveals_per_hour = models.PositiveSmallIntegerField(default=20)
    # The last case number given ("2026-000123": the year and its serial), so that a number is
    # never given twice, even after the case it named was deleted.
    last_case_year = models.PositiveSmallIntegerField(default=0)
    last_case_serial = models.PositiveIntegerField(default=0)
    # The audit log's last entry, kept with the helpline so that removing entries from the end
    # of the chain is noticed too (as the locker's sealed head does for its custody log).
    audit_seq = models.PositiveBigIntegerField(default=0)
    audit_head = models.CharField(max_length=64, default="0" * 64)
    # The last entry found whole ("seq:digest"), sealed with the data key, so the audit page
    # verifies only the entries since (reclaim.web.console.checkpoints).
    audit_checkpoint = models.BinaryField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name


class StaffMember(models.Model):
    """A person working for one helpline, with one or more roles; deactivated, never deleted."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="console_member"
    )
    helpline = models.ForeignKey(Helpline, on_delete=models.PROTECT, related_name="members")
    caseworker = models.BooleanField(default=False)
    supervisor = models.BooleanField(default=False)
    administrator = models.BooleanField(default=False)
    active = models.BooleanField(default=True)
    deactivated_at = models.DateTimeField(null=True, blank=True)
    # Set on members added before invitations (whoever added them saw their first password and
    # their authenticator's key): until they set their own, no console page but that one opens
    # (access.member_required). A member enrolled by invitation chose both factors themselves.
    must_change_password = models.BooleanField(default=False)

    def __str__(self) -> str:
        return str(self.user.get_username())

    @property
    def roles(self) -> frozenset[str]:
        """Return the roles this member holds (none once deactivated)."""
        if not self.active:
            return frozenset()
        held = {"caseworker": self.caseworker, "supervisor": self.supervisor}
        held["administrator"] = self.administrator
        return frozenset(role for role, has in held.items() if has)

    @property
    def role_list(self) -> list[str]:
        """Return the roles held, in the order caseworker, supervisor, administrator."""
        return [
            role for role in ("caseworker", "supervisor", "administrator") if role in self.roles
        ]


class Case(models.Model):
    """One person's matter at a helpline: where it came from, who works it, its addresses."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    class Source(models.TextChoices):
        PHONE = "phone", _("phone")
        EMAIL = "email", _("email")
        CHAT = "chat", _("chat")
        REFERRAL = "referral", _("referral")
        FILE = "file", _("referral file")

    class Contact(models.TextChoices):
        PHONE = "phone", _("phone")
        EMAIL = "email", _("email")
        CHAT = "chat", _("chat")
        POST = "post", _("post")
        NONE = "none", _("no contact")

    helpline = models.ForeignKey(Helpline, on_delete=models.PROTECT, related_name="cases")
    number = models.CharField(max_length=20)  # "2026-000123", unique within the helpline
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    source = models.CharField(max_length=10, choices=Source.choices)
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=200, blank=True)
    assigned_to = models.ForeignKey(
        StaffMember, null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
    )
    country = models.CharField(max_length=2, blank=True)  # ISO 3166-1 alpha-2, lower case
    under_18 = models.BooleanField(default=False)  # no media is taken for this case
    contact_method = models.CharField(max_length=10, choices=Contact.choices)
    contact_safe = models.BooleanField(default=False)  # never used when not safe
    sealed_contact = models.BinaryField(null=True, blank=True)
    sealed_summary = models.BinaryField(null=True, blank=True)  # what happened
    # What every removal request of the case says (the person shown, the authority...), kept
    # once and pre-filled into batches (reclaim.web.console.casefacts).
    sealed_facts = models.BinaryField(null=True, blank=True)
    retention_until = models.DateTimeField(null=True, blank=True)
    # The nearest legal deadline of its open addresses, kept by the services that change them:
    # the queue sorts on it without reading every address.
    next_deadline = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["helpline", "number"], name="case_number_per_helpline")
        ]
        indexes = [
            # The queue's order (nearest deadline, then oldest, then id) after its filter: a
            # page is read straight from the index, never sorted (closed cases have no deadline).
            models.Index(
                fields=["helpline", "status", "next_deadline", "opened_at", "id"],
                name="case_queue_order",
            ),
            models.Index(fields=["helpline", "assigned_to", "status"], name="case_assigned"),
            models.Index(fields=["helpline", "country"], name="case_country"),
            models.Index(fields=["retention_until"], name="case_retention"),
        ]

    def __str__(self) -> str:
        return self.number


class CaseAddress(models.Model):
    """One address where a case's content is, tracked to its own status and deadline."""

    class Status(models.TextChoices):
        TO_SEND = "to-send", _("to send")
        SENT = "sent", _("sent")
        REMOVED = "removed", _("removed")
        REFUSED = "refused", _("refused")
        STILL_UP = "still-up", _("still up")
        REAPPEARED = "reappeared", _("reappeared")

    OPEN_STATUSES = (Status.TO_SEND, Status.SENT, Status.STILL_UP, Status.REAPPEARED)

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="addresses")
    # The case's helpline again: the queue of addresses across cases filters on it directly.
    helpline = models.ForeignKey(Helpline, on_delete=models.PROTECT, related_name="addresses")
    url = models.TextField()
    key = models.CharField(max_length=64)  # SHA-256 of the normalised address: one per case
    platform = models.CharField(max_length=100, blank=True)  # platform directory id
    route = models.CharField(max_length=100, blank=True)  # the route's purpose
    profile = models.CharField(max_length=100, blank=True)  # legal profile id
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.TO_SEND)
    sent_at = models.DateTimeField(null=True, blank=True)
    deadline = models.DateTimeField(null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    reappearances = models.PositiveIntegerField(default=0)
    claimed_by = models.ForeignKey(
        StaffMember, null=True, blank=True, on_delete=models.PROTECT, related_name="claims"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "key"], name="one_address_per_case")]
        indexes = [
            # The address queue's order (nearest deadline, then id), for one status and for the
            # open ones together (the default view; same statuses as OPEN_STATUSES).
            models.Index(
                fields=["helpline", "status", "deadline", "id"], name="address_queue_order"
            ),
            models.Index(
                fields=["helpline", "deadline", "id"],
                name="address_open_queue",
                condition=models.Q(status__in=["to-send", "sent", "still-up", "reappeared"]),
            ),
            models.Index(fields=["helpline", "platform", "status"], name="address_platform"),
            models.Index(fields=["helpline", "reappearances"], name="address_reappeared"),
        ]

    def __str__(self) -> str:
        return self.url


class AppendOnlyError(Exception):
    """An audit entry cannot be changed or deleted."""


class AuditQuerySet(models.QuerySet["AuditEntry"]):
    """No bulk path changes or removes audit entries."""

    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("audit entries are never changed")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("audit entries are never deleted")


class AuditEntry(models.Model):
    """One view or change of case data by staff: who, when, what; hash-chained per helpline.

    ``digest`` is the SHA-256 of a canonical encoding of the entry with ``prev``, the digest of
    the entry before it (reclaim.web.console.audit). The case is named by its id, not a foreign
    key, so that the entry outlives the case's deletion.
    """

    helpline = models.ForeignKey(Helpline, on_delete=models.PROTECT, related_name="audit")
    seq = models.PositiveBigIntegerField()
    member = models.ForeignKey(
        StaffMember, null=True, blank=True, on_delete=models.PROTECT, related_name="audit"
    )
    at = models.DateTimeField()
    action = models.CharField(max_length=40)
    case_id = models.BigIntegerField(null=True, blank=True)
    target = models.CharField(max_length=200, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    prev = models.CharField(max_length=64)
    digest = models.CharField(max_length=64)

    objects = AuditQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["helpline", "seq"], name="one_audit_seq")]
        indexes = [
            models.Index(fields=["helpline", "case_id"], name="audit_case"),
            models.Index(fields=["helpline", "member", "at"], name="audit_member"),
        ]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("audit entries are never changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("audit entries are never deleted")


# Case work: notes, tasks, and the record that a case was deleted (reclaim.web.console.notes,
# .casetasks, .deletion). Everything that hangs off a case is deleted with it (CASCADE: a test
# checks every relation to Case and CaseAddress), so a deleted case leaves no content behind.


class CaseNote(models.Model):
    """A caseworker's note on a case: the text sealed with the helpline's data key."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="notes")
    written_at = models.DateTimeField()
    sealed_text = models.BinaryField()

    class Meta:
        indexes = [models.Index(fields=["case", "written_at"], name="note_case")]


class CaseTask(models.Model):
    """Something to do on a case by a date; its words are sealed like a note's."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks")
    sealed_title = models.BinaryField()
    due_on = models.DateField()
    created_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        StaffMember, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        # The queue counts each page's overdue tasks: open tasks of a few cases by date.
        indexes = [models.Index(fields=["case", "done_at", "due_on"], name="task_case")]


class CaseDeletion(models.Model):
    """That a case was deleted, when and why: its number and no content at all.

    The audit log keeps its own entries for the case (they name its id, not its content) and
    gains a "delete case" entry; this record lets a supervisor tell which number that id was.
    """

    class Reason(models.TextChoices):
        RETENTION = "retention", _("retention period over")
        SURVIVOR = "survivor", _("the survivor's request")

    helpline = models.ForeignKey(Helpline, on_delete=models.PROTECT, related_name="deletions")
    case_id = models.BigIntegerField()
    number = models.CharField(max_length=20)
    deleted_at = models.DateTimeField()
    reason = models.CharField(max_length=10, choices=Reason.choices)
    # How the survivor asked (phone, email, chat, referral...), for a deletion on request.
    asked_via = models.CharField(max_length=10, blank=True)
    by = models.ForeignKey(
        StaffMember, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["helpline", "number"], name="deletion_number")]


# Referrals (reclaim.web.console.referrals): what a survivor shared from their locker. The
# record outlives its content and its case, so that the survivor's withdrawal and openings are
# answered after either is gone; the content (the container as received, kept in parts) goes
# with its case.


class Referral(models.Model):
    """A referral received: its id, the consent digest, when; no content (that is below).

    It is the withdrawal record too: ``withdrawn_at`` says when consent was withdrawn, and
    nothing else of the referral is kept after that.
    """

    helpline = models.ForeignKey(Helpline, on_delete=models.PROTECT, related_name="referrals")
    referral_id = models.CharField(max_length=32)  # the survivor's locker's id for it
    source = models.CharField(max_length=10)  # Case.Source: "referral" (API) or "file"
    case_id = models.BigIntegerField(null=True, blank=True)  # an id, like the audit log's
    consent_sha256 = models.CharField(max_length=64)  # what the helpline keeps of the token
    received_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["helpline", "referral_id"], name="one_referral_id_per_helpline"
            )
        ]

    def __str__(self) -> str:
        return self.referral_id


class ReferralContent(models.Model):
    """The manifest as received (age ciphertext: only the helpline's identity opens it).

    The manifest holds the item keys; each item's sealed blob is a ``ReferralItem`` of its
    own, so that showing one item reads that one. Deleted, with its items, when consent is
    withdrawn, when the survivor's time has passed, and with its case.
    """

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="referral")
    referral = models.OneToOneField(Referral, on_delete=models.CASCADE, related_name="content")
    sealed_manifest = models.BinaryField(default=b"")  # empty: under 18, nothing was kept
    media_dropped = models.PositiveIntegerField(default=0)  # under 18: media not kept


class ReferralItem(models.Model):
    """One shared item's sealed blob, as the container carried it (its key is in the manifest).

    ``position`` is the item's place in the manifest's list; the manifest states the blob's
    size and SHA-256, checked before it is decrypted (reclaim.referrals.read_sealed_item).
    """

    content = models.ForeignKey(ReferralContent, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField()  # reclaim.referrals: at most 1,000 items
    sealed = models.BinaryField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["content", "position"], name="one_referral_item_per_position"
            )
        ]


# Batches, watches and notifications ---------------------------------------------------------
# What batches and re-checks keep: batches sent, each address's watch, staff notifications.
#
# - A ``Batch`` is one request to a platform listing many addresses, as sent (by email) or as
#   recorded after a caseworker submitted its form pack; ``BatchItem`` names each address in it
#   by its number in the request. Its ``key`` makes sending the same batch twice impossible.
# - An ``AddressWatch`` is the worker's bookkeeping for one case address: when to look next,
#   the page's fingerprint after the first look, and what the last look saw.
# - A ``Notification`` tells a caseworker something the worker found (an address back online);
#   it is shown on the queue until read, and carries no case content.


class Batch(models.Model):
    """One request to one platform listing many addresses, and how it went."""

    class How(models.TextChoices):
        EMAIL = "email", _("sent by email")
        FORM = "form", _("form pack submitted by a caseworker")

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
        REAPPEARED = "reappeared", _("an address is back online")

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


# Drafts (reclaim.web.console.drafts): what a member is typing in the intake, note and task
# forms, kept on the server sealed rather than in the browser, for a day at most.


class Draft(models.Model):
    """One member's unsent form (intake, a note, a task), sealed with the helpline's data key.

    ``place`` names the form ("new-case", "notes:<case id>", "tasks:<case id>"); a draft on a
    case goes with the case.
    """

    member = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="drafts")
    place = models.CharField(max_length=40)
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.CASCADE, related_name="drafts"
    )
    sealed = models.BinaryField()
    saved_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "place"], name="one_draft_per_form")
        ]
        indexes = [models.Index(fields=["saved_at"], name="draft_saved")]

    def __str__(self) -> str:
        return self.place


class FiguresSnapshot(models.Model):
    """A helpline's statistics as last counted and built (one row per helpline).

    Counting reads every case and address (seconds at a large helpline's size), so the worker
    counts every FIGURES_REFRESH_MINUTES and the statistics page reads this row. What is kept
    are the published tables, already suppressed (reclaim.web.console.storedfigures): no
    personal data. Country rows keep their codes; the page names them in its language.
    """

    helpline = models.OneToOneField(
        Helpline, on_delete=models.CASCADE, primary_key=True, related_name="figures_snapshot"
    )
    counted_at = models.DateTimeField()
    figures = models.JSONField()


class Invitation(models.Model):
    """A single-use link with which a member chooses their own password and second factor.

    Only the SHA-256 of its random token is kept: the link is shown once, to whoever issued
    it, and a copy of the database alone cannot be used to enrol (reclaim.web.console.enrolment).
    """

    member = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="invitations")
    token_digest = models.CharField(max_length=64, unique=True)  # SHA-256 (hex) of the token
    issued_by = models.ForeignKey(  # empty when issued with `manage.py console`
        StaffMember, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    # Opened: the browser that pressed "Start" holds the enrolment (in its session) from then.
    opened_at = models.DateTimeField(null=True, blank=True)
    used_at = models.DateTimeField(null=True, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"invitation {self.pk} for member {self.member_id}"


class SecurityKey(OTPDevice):
    """A member's WebAuthn credential (a security key or a passkey), a second factor beside TOTP.

    A django-otp device, so that signing in with it marks the session verified as a TOTP code
    does (``django_otp.login``); it never accepts a typed code (``verify_token`` is False).
    """

    if TYPE_CHECKING:  # django-otp's Device fields and manager, which mypy cannot see
        objects: ClassVar[models.Manager["SecurityKey"]]
        user_id: int
        name: str
        confirmed: bool

    member = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    credential_id = models.BinaryField()
    credential_digest = models.CharField(max_length=64, unique=True)  # SHA-256 of the id
    public_key = models.BinaryField()  # COSE-encoded, as the authenticator gave it
    sign_count = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
