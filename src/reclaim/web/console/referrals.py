"""Referrals at the helpline: what a survivor shared becomes a case, under their consent.

The container arrives over /helplines/<slug>/api/v1/referrals or as a file a caseworker
imports; both go through ``receive``: opened with the helpline's age identity
(reclaim.referrals checks the format, the key, tampering and expiry; every item is decrypted
once in memory and checked), kept as received (ciphertext) in parts: the sealed manifest in
ReferralContent, each item's sealed blob in a ReferralItem of its own (the item keys are in the
manifest, so the parts are as protected as the container was), and made into a case: the
survivor's message and incidents as what happened (their facts and words, sealed with the
helpline's data key, put in sentences when shown: reclaim.web.console.summaries), their
contact if they gave one, the addresses of their removal requests and incidents recognised as
at intake. Under 18: no media is kept at all.

Staff read what was shared through the door (reclaim.web.console.cases), so each opening is
in the audit log; ``openings`` lists them for the survivor. Showing a picture reads the
manifest and that one item, nothing else. ``withdraw`` deletes the manifest, every item and
every piece of the case that came from it, at once, and keeps only when and which id.
Consent tokens are counted before they are checked (reclaim.web.access.attempts).
"""

import datetime
import hmac
import logging
import time
from dataclasses import dataclass, replace

from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest
from django.utils import timezone

from reclaim.notices import recognise_addresses
from reclaim.referrals import (
    Manifest,
    OpenedReferral,
    ReferralError,
    ReferralExpiredError,
    ReferralFormatError,
    SharedItem,
    TamperedReferralError,
    WrongReferralKeyError,
    consent_digest,
    open_manifest,
    open_referral,
    read_sealed_item,
    split_container,
)
from reclaim.web.access import attempts
from reclaim.web.console import audit, keys, previews, summaries
from reclaim.web.console.access import member_of
from reclaim.web.console.cases import open_case
from reclaim.web.console.casework import (
    MAX_ADDRESSES_PER_CASE,
    address_rows,
    catalogue,
    next_number,
)
from reclaim.web.console.closing import WITHDRAWN_OUTCOME, add_months
from reclaim.web.console.models import (
    AuditEntry,
    Case,
    Helpline,
    Referral,
    ReferralContent,
    ReferralItem,
    StaffMember,
)
from reclaim.web.console.permissions import Action, allows

# What the survivor's Reclaim is told of each view of their referral's case (the audit log's
# actions that read it: the case page, the shared page, a picture, a reveal).
OPENING_ACTIONS = (str(Action.VIEW_CASE), str(Action.REVEAL_MEDIA))
log = logging.getLogger(__name__)
REVEALED = "console_revealed"  # the session key: which items this member revealed, and when
REVEAL_SECONDS = 10 * 60  # a revealed picture stays clear for this long, then is veiled again
REVEAL_WINDOW = datetime.timedelta(hours=1)
MAX_PREVIEW_BYTES = 64 * 1024 * 1024  # larger pictures are listed, not shown


class RefusedError(Exception):
    """A referral or a request about one is refused: an API error code, status and words."""

    def __init__(self, code: str, status: int, detail: str) -> None:
        super().__init__(detail)
        self.code, self.status, self.detail = code, status, detail


class RevealLimitError(Exception):
    """The member has revealed as many pictures this hour as the helpline allows."""


@dataclass(frozen=True)
class Received:
    """A referral the helpline holds, and whether this request made its case."""

    referral: Referral
    created: bool


@dataclass(frozen=True)
class Shown:
    """One shared item as the shared page lists it."""

    item: SharedItem
    picture: bool  # shown as a (veiled) picture
    revealed: bool  # revealed by this member within REVEAL_SECONDS


@dataclass(frozen=True)
class SharedView:
    """What the shared page shows: the referral's state and, while it can be read, its content."""

    case: Case
    referral: Referral | None
    state: str  # "open", "expired", "withdrawn", "not-referral"
    manifest: Manifest | None
    items: list[Shown]
    media_dropped: int
    reveals_used: int
    reveals_allowed: int


# Receiving ---------------------------------------------------------------------------------


def receive(
    line: Helpline, data: bytes, source: str, member: StaffMember | None = None
) -> Received:
    """Open ``data`` as a referral to ``line`` and make its case (once); return the referral.

    Raises RefusedError with the API's code: not-a-referral, wrong-key, tampered, expired,
    withdrawn (the same id was withdrawn before).
    """
    opened = _opened(line, data)
    manifest = opened.manifest
    known = Referral.objects.filter(helpline=line, referral_id=manifest.id).first()
    if known is not None:
        return Received(_unless_withdrawn(known), False)
    try:
        with transaction.atomic():
            return Received(_make_case(line, opened, data, source, member), True)
    except IntegrityError:  # the same referral, sent twice at once: the other made the case
        known = Referral.objects.get(helpline=line, referral_id=manifest.id)
        return Received(_unless_withdrawn(known), False)


def _opened(line: Helpline, data: bytes) -> OpenedReferral:
    try:
        opened = open_referral(data, str(keys.identity(line)))
        opened.verify_items()  # every item decrypts and is what the survivor shared
    except WrongReferralKeyError as error:
        raise RefusedError("wrong-key", 422, str(error)) from None
    except TamperedReferralError as error:
        raise RefusedError("tampered", 422, str(error)) from None
    except ReferralExpiredError as error:
        raise RefusedError("expired", 422, str(error)) from None
    except (ReferralFormatError, ReferralError) as error:
        raise RefusedError("not-a-referral", 400, str(error)) from None
    return opened


def _unless_withdrawn(referral: Referral) -> Referral:
    if referral.withdrawn_at is not None:
        raise RefusedError("withdrawn", 410, "Consent for this referral was withdrawn.")
    return referral


def _make_case(
    line: Helpline, opened: OpenedReferral, data: bytes, source: str, member: StaffMember | None
) -> Referral:
    manifest = opened.manifest
    under_18 = manifest.under_18 or any(incident.under_18 for incident in manifest.incidents)
    media = sum(1 for item in manifest.items if item.is_media)
    country = next((r.country for r in manifest.requests if len(r.country) == 2), "")
    recognised = recognise_addresses(_urls(manifest), catalogue(), country.lower())
    contact = manifest.contact
    case = Case.objects.create(
        helpline=line,
        number=next_number(line),
        source=source,
        opened_at=timezone.now(),
        country=country.lower(),
        under_18=under_18,
        # The survivor chose this way to be reached when they shared: that is their word that
        # it is safe. Without one, nobody contacts them; they get in touch.
        contact_method=contact.method if contact else Case.Contact.NONE,
        contact_safe=contact is not None,
        sealed_contact=keys.seal_text(line, _contact_text(manifest)) if contact else None,
        sealed_summary=keys.seal_text(line, summaries.kept(manifest)),
    )
    made = address_rows(case, recognised)[:MAX_ADDRESSES_PER_CASE]
    case.addresses.model.objects.bulk_create(made)
    referral = Referral.objects.create(
        helpline=line,
        referral_id=manifest.id,
        source=source,
        case_id=case.pk,
        consent_sha256=manifest.consent_sha256,
        received_at=timezone.now(),
        expires_at=manifest.expires,
    )
    # Under 18, no media is kept at all: a copy can itself be an offence. The words stay.
    dropped = media if under_18 else 0
    _keep(case, referral, b"" if dropped else data, dropped)
    detail = {"referral": manifest.id, "addresses": str(len(made)), "media_dropped": str(dropped)}
    audit.append(line, member, "receive referral", case.pk, f"referral:{manifest.id}", detail)
    return referral


def _keep(case: Case, referral: Referral, data: bytes, dropped: int) -> None:
    """Keep the checked container ``data`` in parts: its sealed manifest, each item apart."""
    parts = split_container(data) if data else None
    content = ReferralContent.objects.create(
        case=case,
        referral=referral,
        sealed_manifest=parts.sealed_manifest if parts else b"",
        media_dropped=dropped,
    )
    for position, sealed in enumerate(parts.sealed_items if parts else ()):
        ReferralItem.objects.create(content=content, position=position, sealed=sealed)


def _urls(manifest: Manifest) -> str:
    urls = [request.url for request in manifest.requests]
    urls += [url for incident in manifest.incidents for url in incident.urls]
    return "\n".join(urls)


def _contact_text(manifest: Manifest) -> str:
    contact = manifest.contact
    assert contact is not None
    return f"{contact.address} ({contact.note})" if contact.note else contact.address


# The survivor's token: withdrawal and openings ---------------------------------------------


def withdraw(line: Helpline, referral_id: str, token: str) -> Referral:
    """Withdraw consent: delete the container and the case's content from it; return the record.

    Withdrawing again gives the same record. Raises RefusedError (bad-token, too-many-tries).
    """
    _check_token(line, referral_id, token)
    with transaction.atomic():
        referral = Referral.objects.select_for_update().get(helpline=line, referral_id=referral_id)
        if referral.withdrawn_at is not None:
            return referral
        referral.withdrawn_at = timezone.now()
        referral.save(update_fields=["withdrawn_at"])
        ReferralContent.objects.filter(referral=referral).delete()
        cases = Case.objects.select_for_update().filter(pk=referral.case_id or 0)
        case = cases.first()  # none when the case was deleted before (retention, a request)
        if case is not None:
            _empty(case, referral.withdrawn_at)
        target = f"referral:{referral_id}"
        audit.append(line, None, "withdraw referral", referral.case_id, target)
    return referral


def _empty(case: Case, when: datetime.datetime) -> None:
    """Remove from ``case`` everything that came from the referral, and close it as withdrawn.

    Notes and tasks go too: staff write them from what the survivor shared (the audit log
    keeps that they were written, never their words).
    """
    case.addresses.all().delete()
    case.notes.all().delete()
    case.tasks.all().delete()
    case.status, case.closed_at, case.outcome = Case.Status.CLOSED, when, WITHDRAWN_OUTCOME
    case.sealed_summary = case.sealed_contact = case.sealed_facts = None
    case.contact_method, case.contact_safe = Case.Contact.NONE, False
    case.next_deadline = None
    case.retention_until = add_months(when, case.helpline.retention_months)  # then deleted
    case.save()


def openings(line: Helpline, referral_id: str, token: str) -> tuple[Referral, list[dict[str, str]]]:
    """Return the referral and every time staff opened its case: when, and in which role."""
    _check_token(line, referral_id, token)
    referral = Referral.objects.get(helpline=line, referral_id=referral_id)
    entries = AuditEntry.objects.filter(
        helpline=line,
        case_id=referral.case_id,
        action__in=OPENING_ACTIONS,
        member__isnull=False,
    )
    found = entries.select_related("member").order_by("seq")
    return referral, [{"at_utc": stamp(e.at), "role": _role(e)} for e in found]


def _role(entry: AuditEntry) -> str:
    role = str(entry.detail.get("role", ""))
    if role:
        return role
    member = entry.member
    assert member is not None
    held = [name for name in ("caseworker", "supervisor", "administrator") if getattr(member, name)]
    return held[0] if held else "caseworker"


def _check_token(line: Helpline, referral_id: str, token: str) -> None:
    """Count one try at this referral's token, then check it; raise RefusedError if wrong."""
    try:
        attempts.reserve(f"referral-token:{line.pk}:{referral_id[:64]}")
    except attempts.HeldError as held:
        raise RefusedError(
            "too-many-tries", 429, f"Too many tries; try again in {held.minutes} minutes."
        ) from None
    found = Referral.objects.filter(helpline=line, referral_id=referral_id).first()
    expected = found.consent_sha256 if found is not None else "0" * 64
    if not (token and hmac.compare_digest(consent_digest(token), expected)) or found is None:
        # The same answer for an unknown id: a token cannot tell which ids exist.
        raise RefusedError("bad-token", 403, "That consent token does not open this referral.")
    attempts.forget(f"referral-token:{line.pk}:{referral_id[:64]}")


def stamp(moment: datetime.datetime) -> str:
    """Return ``moment`` as the API writes times (ISO 8601, UTC, seconds)."""
    return moment.astimezone(datetime.UTC).replace(microsecond=0).isoformat()


# Staff: importing a file, the shared page, pictures, reveals --------------------------------


def import_file(request: HttpRequest, data: bytes) -> Case:
    """Make a case from a referral file a caseworker imports (source "file"); return it."""
    member = member_of(request)
    if not allows(member, Action.EDIT_CASE):
        raise RefusedError("forbidden", 403, "Importing a referral is casework.")
    received = receive(member.helpline, data, Case.Source.FILE, member)
    case = Case.objects.get(pk=received.referral.case_id or 0)
    if not received.created:  # the survivor's Reclaim sent it already: a view, if it is theirs
        target = f"referral:{received.referral.referral_id}"
        return open_case(request, case.number, Action.VIEW_CASE, target=target)
    return case


def shared(request: HttpRequest, number: str) -> SharedView:
    """Return what the survivor shared on case ``number`` (an opening: audited)."""
    holder: dict[str, object] = {}

    def look(case: Case, member: StaffMember) -> dict[str, str]:
        holder["member"] = member
        return {"role": role_on(member, case), "part": "shared"}

    case = open_case(request, number, Action.VIEW_CASE, target="referral", change=look)
    member = holder["member"]
    assert isinstance(member, StaffMember)
    referral = Referral.objects.filter(helpline_id=case.helpline_id, case_id=case.pk).first()
    used = reveals_used(member)
    base = SharedView(
        case, referral, "not-referral", None, [], 0, used, case.helpline.reveals_per_hour
    )
    if referral is None:
        return base
    if referral.withdrawn_at is not None:
        return replace(base, state="withdrawn")
    content = ReferralContent.objects.filter(referral=referral).first()
    if content is None:  # withdrawn, or deleted by the worker once past the survivor's "until"
        gone = "expired" if referral.expires_at <= timezone.now() else "withdrawn"
        return replace(base, state=gone)
    manifest = _manifest_of(case.helpline, content)
    if manifest is None:
        return replace(base, state="expired", media_dropped=content.media_dropped)
    grants = _grants(request, case)
    items = [
        Shown(item, previews.can_preview(item.media_type) and item.size <= MAX_PREVIEW_BYTES,
              item.id in grants)
        for item in manifest.items
    ]  # fmt: skip
    return replace(
        base, state="open", manifest=manifest, items=items, media_dropped=content.media_dropped
    )


def picture(request: HttpRequest, number: str, item_id: str) -> tuple[bytes, bool]:
    """Return one shared picture (PNG) and whether it is clear: veiled unless revealed."""
    seen = {"clear": False}

    def look(case: Case, member: StaffMember) -> dict[str, str]:
        seen["clear"] = item_id in _grants(request, case)
        part = "clear" if seen["clear"] else "veiled"
        return {"role": role_on(member, case), "part": part}

    case = open_case(request, number, Action.VIEW_CASE, target=f"item:{item_id}", change=look)
    data = _picture_data(case, item_id)  # in memory only
    try:
        return (previews.clear(data) if seen["clear"] else previews.veiled(data)), seen["clear"]
    except previews.PreviewError:
        raise Http404("not a picture") from None


def reveal(request: HttpRequest, number: str, item_id: str) -> int:
    """Reveal one picture to the member, counted first against the hourly limit; return used.

    Raises RevealLimitError (nothing revealed, nothing logged) when the limit is reached.
    """
    used = {"count": 0}

    def count(case: Case, member: StaffMember) -> dict[str, str]:
        _shared_item(case, item_id)
        StaffMember.objects.select_for_update().get(pk=member.pk)  # one reveal at a time
        used["count"] = reveals_used(member)
        if used["count"] >= case.helpline.reveals_per_hour:
            raise RevealLimitError(f"{used['count']} pictures revealed in the last hour")
        return {"role": role_on(member, case), "item": item_id}

    case = open_case(request, number, Action.REVEAL_MEDIA, target=f"item:{item_id}", change=count)
    grants = dict(request.session.get(REVEALED, {}))
    grants[f"{case.pk}:{item_id}"] = time.time()
    request.session[REVEALED] = grants
    return used["count"] + 1


def reveals_used(member: StaffMember) -> int:
    """Return how many pictures ``member`` revealed in the last hour (from the audit log)."""
    since = timezone.now() - REVEAL_WINDOW
    found = AuditEntry.objects.filter(
        helpline_id=member.helpline_id,
        member=member,
        action=str(Action.REVEAL_MEDIA),
        at__gte=since,
    )
    return found.count()


def role_on(member: StaffMember, case: Case) -> str:
    """Return the role in which ``member`` reads ``case`` (what the survivor is told)."""
    if member.caseworker and case.assigned_to_id in (None, member.pk):
        return "caseworker"
    return "supervisor" if member.supervisor else "administrator"


def _grants(request: HttpRequest, case: Case) -> set[str]:
    now, prefix = time.time(), f"{case.pk}:"
    grants = request.session.get(REVEALED, {})
    return {
        key.removeprefix(prefix)
        for key, at in grants.items()
        if key.startswith(prefix) and now - float(at) < REVEAL_SECONDS
    }


def _manifest_of(line: Helpline, content: ReferralContent) -> Manifest | None:
    """Return the kept manifest, opened; None once it has expired or nothing was kept."""
    sealed = bytes(content.sealed_manifest)
    if not sealed:
        return None
    try:
        return open_manifest(sealed, str(keys.identity(line)))
    except ReferralExpiredError:
        return None


def _shared_item(case: Case, item_id: str) -> tuple[ReferralContent, int, SharedItem]:
    """Return the kept content of ``case``, and one item's place and entry in its manifest.

    Only the manifest is read; 404 if nothing can be read or the referral has no such item.
    """
    content = ReferralContent.objects.filter(case=case, referral__withdrawn_at__isnull=True).first()
    manifest = _manifest_of(case.helpline, content) if content is not None else None
    if content is None or manifest is None:
        raise Http404("nothing shared to show")
    for position, item in enumerate(manifest.items):
        if item.id == item_id:
            return content, position, item
    raise Http404("no such item")


def _picture_data(case: Case, item_id: str) -> bytes:
    """Return the original bytes of one shared picture, reading that item alone; 404 if not.

    One row holds the item's sealed blob; its size and digest are checked against the
    manifest before it is decrypted, and the original's after (reclaim.referrals).
    """
    content, position, item = _shared_item(case, item_id)
    if not previews.can_preview(item.media_type) or item.size > MAX_PREVIEW_BYTES:
        raise Http404("not shown as a picture")
    rows = ReferralItem.objects.filter(content=content, position=position)
    sealed = rows.values_list("sealed", flat=True).first()
    if sealed is None:
        raise Http404("nothing shared to show")
    try:
        return b"".join(read_sealed_item(item, bytes(sealed)))
    except TamperedReferralError:
        # Checked when it arrived: a row changed since (the database, not the survivor).
        log.warning("referral item %s on case %s does not check; not shown", position, case.pk)
        raise Http404("the item does not check: it was changed after it was kept") from None
