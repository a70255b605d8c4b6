"""Batch removal requests: one request per platform listing many addresses across cases.

A caseworker picks a platform and legal profile from the addresses waiting to be sent (their
queue's scope), chooses addresses (all by default, but not those someone else has claimed),
fills the facts the profile needs (once for the whole request, once per case for its
addresses), and sends. Composing is the core's (reclaim.notices.compose_batch): anyone under
18 refuses the whole batch, what is missing is named per case, and a route's limit splits the
batch into parts, each a request of its own. The route is the helpline's enrolled (trusted
flagger) route where its routes file has one (RECLAIM_HELPLINE_ROUTES).

Recording a part is a handful of queries whatever its size: the addresses are locked and
checked in one read, moved to sent with their deadlines in one bulk update, and the audit
entries (one per case) written at once (audit.append_many). A part's ``key`` is unique per
helpline, so the same batch cannot be recorded or sent twice; an email that fails undoes the
recording.
"""

import datetime
import hashlib
import io
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMessage
from django.core.mail.message import make_msgid
from django.db import IntegrityError, transaction
from django.db.models import Count, Min, OuterRef, QuerySet, Subquery
from django.utils import timezone

from reclaim.notices import (
    BatchAddress,
    BatchFacts,
    BatchNotice,
    Element,
    Platform,
    Profile,
    Route,
    Under18RequestError,
    batch_requests,
    compose_batch,
    deadline,
    mark_sent,
    missing_in_batch,
    rank_routes,
    split_batch,
)
from reclaim.web.console import audit
from reclaim.web.console.casework import catalogue
from reclaim.web.console.models import Batch, BatchItem, Case, CaseAddress, StaffMember
from reclaim.web.console.permissions import Action, address_scope, allows
from reclaim.web.removals.services import can_email

# Addresses that wait for a request: never sent, or back online after a removal.
SENDABLE = (CaseAddress.Status.TO_SEND, CaseAddress.Status.REAPPEARED)
MAX_BATCH_ADDRESSES = 5000  # one page of choices; a route's own limit splits it further
WORKER = "worker"  # who moves the addresses in the core's records (the member is in the audit)


class BatchError(Exception):
    """The batch cannot be sent as asked; the message says why, for the member to read."""


class DuplicateBatchError(BatchError):
    """This batch was recorded (or sent) already."""


@dataclass(frozen=True)
class Group:
    """Addresses waiting for one platform under one profile, and the route a batch takes."""

    platform_id: str
    profile_id: str
    count: int
    platform_name: str
    route: Route | None  # None: the directory has no route for it (send them one by one)


@dataclass(frozen=True)
class WholeFacts:
    """What the helpline says once for the whole request."""

    signer: str = ""
    organisation: str = ""
    email: str = ""
    phone: str = ""
    postal: str = ""
    accuracy_statement: bool = False


@dataclass(frozen=True)
class CaseFacts:
    """What is said for every address of one case (the person shown, the authority)."""

    depicted: str = ""
    authority: str = ""
    description: str = ""
    consent_statement: bool = False
    intimate_statement: bool = False


@dataclass
class Selection:
    """The addresses a member may batch for one platform and profile, and the route."""

    platform: Platform
    profile: Profile
    route: Route
    route_index: int
    addresses: list[CaseAddress]  # with their cases, in case order

    @property
    def cases(self) -> list[Case]:
        """Return the cases of the addresses, each once, in order."""
        return list({a.case_id: a.case for a in self.addresses}.values())


@dataclass(frozen=True)
class Part:
    """One request of a batch (a route's limit may cut a batch into several)."""

    notice: BatchNotice
    addresses: tuple[CaseAddress, ...]
    key: str


@dataclass
class Composed:
    """A batch composed, or what stops it: under 18, missing elements (whole, per case)."""

    parts: list[Part] = field(default_factory=list)
    refused: str = ""
    missing: list[Element] = field(default_factory=list)
    missing_by_case: dict[int, list[Element]] = field(default_factory=dict)  # by case id
    left_out: list[CaseAddress] = field(default_factory=list)  # repeats of an address

    @property
    def ready(self) -> bool:
        return bool(self.parts) and not (self.refused or self.missing or self.missing_by_case)


def groups(member: StaffMember) -> list[Group]:
    """Return the member's waiting addresses grouped by platform and profile (one query)."""
    _check(member)
    rows = (
        _waiting(member)
        .values("platform", "profile")
        .annotate(count=Count("pk"))
        .order_by("platform", "profile")
    )
    books = catalogue()
    found = []
    for row in rows:
        platform = _platform(row["platform"])
        route = None
        if platform is not None:
            profile = books.profiles.get(row["profile"])
            ranked = rank_routes(platform, profile, member.helpline.slug)
            route = ranked[0] if ranked else None
        name = platform.name if platform else ""
        found.append(Group(row["platform"], row["profile"], row["count"], name, route))
    return found


def selection(member: StaffMember, platform_id: str, profile_id: str) -> Selection:
    """Return the addresses ``member`` may batch for a platform and profile; raise BatchError
    if the directory has no route for them."""
    _check(member)
    platform = _platform(platform_id)
    try:
        profile = catalogue().profiles.get(profile_id)
    except KeyError:
        profile = None
    if platform is None or profile is None:
        raise BatchError("The platform directory does not know this platform or law.")
    ranked = rank_routes(platform, profile, member.helpline.slug)
    if not ranked:
        raise BatchError(f"The directory has no route to {platform.name} for {profile.name}.")
    found = _waiting(member).filter(platform=platform_id, profile=profile_id)
    addresses = list(
        found.select_related("case", "claimed_by__user").order_by("case__number", "pk")[
            :MAX_BATCH_ADDRESSES
        ]
    )
    index = platform.routes.index(ranked[0])
    return Selection(platform, profile, ranked[0], index, addresses)


def compose(
    chosen: Selection, whole: WholeFacts, by_case: dict[int, CaseFacts], signed_on: str
) -> Composed:
    """Return the batch of ``chosen``'s addresses as requests (parts), or what stops it."""
    result = Composed()
    kept: list[CaseAddress] = []
    seen: set[str] = set()
    for address in chosen.addresses:
        (result.left_out if address.url in seen else kept).append(address)
        seen.add(address.url)
    facts = BatchFacts(
        addresses=tuple(_batch_address(a, by_case.get(a.case_id, CaseFacts())) for a in kept),
        signer=whole.signer, organisation=whole.organisation, signed_on=signed_on,
        email=whole.email, phone=whole.phone, postal=whole.postal,
        accuracy_statement=whole.accuracy_statement,
    )  # fmt: skip
    if any(a.under_18 for a in facts.addresses):
        result.refused = str(Under18RequestError())
        return result
    result.missing, by_number = missing_in_batch(facts, chosen.profile)
    for number, elements in by_number.items():
        case_id = kept[number - 1].case_id
        known = result.missing_by_case.setdefault(case_id, [])
        known += [e for e in elements if e not in known]
    if result.missing or result.missing_by_case or not kept:
        return result
    start = 0
    for piece in split_batch(facts.addresses, chosen.route):
        mine = tuple(kept[start : start + len(piece)])
        start += len(piece)
        part_facts = replace(facts, addresses=piece)
        notice = compose_batch(part_facts, chosen.platform, chosen.route, chosen.profile)
        result.parts.append(Part(notice, mine, _key(chosen, mine)))
    return result


def send(member: StaffMember, chosen: Selection, composed: Composed, reply_to: str) -> list[Batch]:
    """Email every part of a composed batch to the platform and record it; return the batches.

    Raise DuplicateBatchError if a part was sent already (nothing is sent then), BatchError
    if this site sends no email or the route is not an email route.
    """
    if not chosen.route.kind == "email" or not chosen.route.address:
        raise BatchError("This route is a form: prepare the form pack and submit it there.")
    if not can_email():
        raise BatchError("This site sends no email (no SMTP server is set up).")
    _refuse_sent(member, composed.parts)
    batches = []
    for part in composed.parts:
        batch = _record(member, chosen, part, Batch.How.EMAIL, chosen.route.address)
        try:
            message_id = _email(part.notice, reply_to)
        except OSError as error:  # smtplib's errors are OSErrors: nothing went, undo
            _undo(batch)
            raise BatchError(f"The email could not be sent ({type(error).__name__}).") from error
        _finish(member, batch, part, message_id)
        batches.append(batch)
    return batches


def record_submitted(member: StaffMember, chosen: Selection, composed: Composed) -> list[Batch]:
    """Record every part of a batch as submitted by the member through the form; return them."""
    _refuse_sent(member, composed.parts)
    recipient = chosen.route.target
    batches = []
    for part in composed.parts:
        batch = _record(member, chosen, part, Batch.How.FORM, recipient)
        _finish(member, batch, part, "")
        batches.append(batch)
    return batches


def form_pack(composed: Composed) -> bytes:
    """Return the batch's parts as a zip: each part's text, its addresses (CSV), a page."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as pack:
        for number, part in enumerate(composed.parts, 1):
            folder = f"request-{number}"
            pack.writestr(f"{folder}/request.txt", part.notice.plain_text())
            pack.writestr(f"{folder}/addresses.csv", part.notice.csv_text())
            pack.writestr(f"{folder}/request.html", part.notice.printable_html())
    return out.getvalue()


def audit_entries(composed: Composed, action: str, **detail: str) -> list[audit.Pending]:
    """Return one audit entry per case of a composed batch (what the member did with it)."""
    counts: dict[int, int] = defaultdict(int)
    for part in composed.parts:
        for address in part.addresses:
            counts[address.case_id] += 1
    return [
        audit.Pending(action, case_id, "", {**detail, "addresses": str(n)})
        for case_id, n in counts.items()
    ]


# Recording --------------------------------------------------------------------------------


def _refuse_sent(member: StaffMember, parts: Sequence[Part]) -> None:
    keys = [part.key for part in parts]
    sent = Batch.objects.filter(helpline_id=member.helpline_id, key__in=keys).first()
    if sent is not None:
        when = sent.created_at.strftime("%Y-%m-%d %H:%M")
        raise DuplicateBatchError(f"This batch was already recorded on {when} UTC.")


def _record(member: StaffMember, chosen: Selection, part: Part, how: str, recipient: str) -> Batch:
    """Create the batch row and move its addresses to sent with their deadlines, at once."""
    now = timezone.now()
    ids = [address.pk for address in part.addresses]
    with transaction.atomic():
        locked = list(
            CaseAddress.objects.select_for_update()
            .filter(address_scope(member, Action.SEND_BATCH), pk__in=ids, status__in=SENDABLE)
            .only("pk", "case_id", "status", "sent_at", "deadline")
        )
        if len(locked) != len(ids):
            raise BatchError("Some of these addresses were sent or changed meanwhile: look again.")
        try:
            with transaction.atomic():
                batch = Batch.objects.create(
                    helpline_id=member.helpline_id, key=part.key, platform=chosen.platform.id,
                    route=chosen.route.purpose, route_index=chosen.route_index,
                    profile=chosen.profile.id, member=member, created_at=now, how=how,
                    recipient=recipient[:300], subject=part.notice.subject[:300], count=len(ids),
                )  # fmt: skip
        except IntegrityError:
            raise DuplicateBatchError("This batch was already recorded.") from None
        # One UPDATE per distinct deadline (one, as a rule: every clock starts now under one
        # law), rather than bulk_update's CASE per row, which is slow to build at this size.
        by_deadline: dict[datetime.datetime, list[int]] = defaultdict(list)
        for pk, due in _deadlines(chosen, part, now).items():
            by_deadline[due].append(pk)
        for due, pks in by_deadline.items():
            CaseAddress.objects.filter(pk__in=pks).update(
                status=CaseAddress.Status.SENT, sent_at=now, deadline=due
            )
        BatchItem.objects.bulk_create(
            [BatchItem(batch=batch, address_id=pk, number=n) for n, pk in enumerate(ids, 1)],
            batch_size=500,
        )
        refresh_deadlines({address.case_id for address in locked})
    return batch


def _deadlines(
    chosen: Selection, part: Part, now: datetime.datetime
) -> dict[int, datetime.datetime]:
    """Return each address's deadline by the core's clock (the profile's, the platform's review
    time, or the follow-up interval), every clock started at ``now``."""
    facts = BatchFacts(addresses=part.notice.addresses)
    requests = batch_requests(
        part.notice, facts, chosen.platform.id, chosen.route_index, "", WORKER, "batch"
    )
    follow_up = settings.FOLLOW_UP_DAYS
    at_utc = now.astimezone(datetime.UTC).isoformat()
    sent = mark_sent([replace(r, follow_up_days=follow_up) for r in requests], WORKER, at_utc)
    hours, review = chosen.profile.deadline_hours, chosen.platform.review_hours
    found = {}
    for address, request in zip(part.addresses, sent, strict=True):
        due = deadline(request, hours, review)
        found[address.pk] = due or now + datetime.timedelta(days=follow_up)
    return found


def _finish(member: StaffMember, batch: Batch, part: Part, message_id: str) -> None:
    now = timezone.now()
    Batch.objects.filter(pk=batch.pk).update(sent_at=now, message_id=message_id[:300])
    batch.sent_at, batch.message_id = now, message_id
    how = "email" if batch.how == Batch.How.EMAIL else "form"
    entries = audit_entries(Composed(parts=[part]), "batch sent", batch=str(batch.pk), how=how)
    audit.append_many(member.helpline_id, member, entries)


def _undo(batch: Batch) -> None:
    """Put a batch's addresses back as they were and forget the batch (its email failed)."""
    with transaction.atomic():
        ids = list(batch.items.values_list("address_id", flat=True))
        back = CaseAddress.objects.filter(pk__in=ids, status=CaseAddress.Status.SENT)
        back.update(status=CaseAddress.Status.TO_SEND, sent_at=None, deadline=None)
        cases = set(CaseAddress.objects.filter(pk__in=ids).values_list("case_id", flat=True))
        batch.delete()
        refresh_deadlines(cases)


def refresh_deadlines(case_ids: Iterable[int]) -> None:
    """Keep each case's ``next_deadline`` the nearest deadline of its open addresses (one
    query for any number of cases)."""
    ids = list(case_ids)
    if not ids:
        return
    nearest = (
        CaseAddress.objects.filter(case_id=OuterRef("pk"), status__in=CaseAddress.OPEN_STATUSES)
        .values("case_id")
        .annotate(nearest=Min("deadline"))
        .values("nearest")
    )
    Case.objects.filter(pk__in=ids).update(next_deadline=Subquery(nearest))


def _email(notice: BatchNotice, reply_to: str) -> str:
    """Send a part by SMTP, its addresses attached as CSV; return the Message-ID."""
    message_id = make_msgid(domain=settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or None)
    message = EmailMessage(
        notice.subject,
        notice.body,
        settings.DEFAULT_FROM_EMAIL,
        [notice.route.address],
        reply_to=[reply_to] if "@" in reply_to else None,
        headers={"Message-ID": message_id},
    )
    message.attach("addresses.csv", notice.csv_text(), "text/csv")
    message.send()  # raises on any SMTP failure
    return message_id


# Helpers ----------------------------------------------------------------------------------


def _check(member: StaffMember) -> None:
    if not allows(member, Action.SEND_BATCH):
        raise PermissionDenied("sending batches is casework")


def _waiting(member: StaffMember) -> QuerySet[CaseAddress]:
    return CaseAddress.objects.filter(
        address_scope(member, Action.SEND_BATCH),
        status__in=SENDABLE,
        case__status=Case.Status.OPEN,
    )


def _platform(platform_id: str) -> Platform | None:
    if not platform_id:
        return None
    try:
        return catalogue().directory.get(platform_id)
    except KeyError:
        return None


def _batch_address(address: CaseAddress, facts: CaseFacts) -> BatchAddress:
    return BatchAddress(
        url=address.url,
        description=facts.description,
        depicted=facts.depicted,
        authority=facts.authority,
        consent_statement=facts.consent_statement,
        intimate_statement=facts.intimate_statement,
        under_18=address.case.under_18,
        reference=address.case.number,
    )


def _key(chosen: Selection, addresses: Sequence[CaseAddress]) -> str:
    """Return what makes a part the same part: its route, law and addresses with their history
    (an address that came back after a removal goes in a new batch with a new key)."""
    items = sorted(f"{a.pk}:{a.reappearances}" for a in addresses)
    text = "|".join([chosen.platform.id, chosen.profile.id, str(chosen.route_index), *items])
    return hashlib.sha256(text.encode()).hexdigest()
