"""Case work: opening a case at intake, the case page, assignment and hand-over, claims.

Every function reads and changes cases through the door (reclaim.web.console.cases), so each
is checked against the matrix and audited.
"""

import datetime
import functools
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Min
from django.http import Http404, HttpRequest
from django.utils import timezone

from reclaim.notices import AddressList, Catalogue, load_catalogue, recognise_addresses
from reclaim.web.console import drafts, keys, summaries
from reclaim.web.console.access import member_of
from reclaim.web.console.cases import open_case, record
from reclaim.web.console.models import Case, CaseAddress, Helpline, Notification, StaffMember
from reclaim.web.console.permissions import Action, allows

# A paste of a few thousand lines is read in a fraction of a second (reclaim.notices); more
# than this in one case is more likely a mistake (a whole file pasted) than a case.
MAX_ADDRESSES_PER_CASE = 5000
# The case page shows its addresses this many at a time: 500 rows of forms cost more to draw
# than the page's 150 ms budget at a large helpline's size; every page is a link away.
ADDRESSES_PER_PAGE = 100


class CaseworkError(Exception):
    """What was asked cannot be done; the message says why, for the member to read."""


class ClaimedError(CaseworkError):
    """The address is claimed by someone else: taking it over must be confirmed."""


@dataclass(frozen=True)
class Intake:
    """What a caseworker types when a survivor calls, writes or chats (no real name)."""

    source: str
    contact_method: str
    contact: str
    contact_safe: bool
    country: str
    under_18: bool
    summary: str
    pasted: str  # addresses, as the survivor sent them


@dataclass(frozen=True)
class NewCase:
    """A case just opened and what its paste held."""

    case: Case
    recognised: AddressList


@dataclass(frozen=True)
class CaseView:
    """A case as its page shows it: content unsealed, the contact only when safe to use."""

    case: Case
    summary: str
    contact: str  # '' when not safe: it is never shown as usable
    addresses: list[CaseAddress]  # one page of them (ADDRESSES_PER_PAGE)
    colleagues: list[StaffMember]  # active caseworkers it can be handed over to
    address_count: int = 0
    page: int = 1

    @property
    def pages(self) -> int:
        """Return how many pages the case's addresses fill (1 for none)."""
        return max(1, -(-self.address_count // ADDRESSES_PER_PAGE))

    @property
    def first_shown(self) -> int:
        """Return the number of the first address on this page (1-based; 0 for none)."""
        return (self.page - 1) * ADDRESSES_PER_PAGE + 1 if self.addresses else 0

    @property
    def last_shown(self) -> int:
        return (self.page - 1) * ADDRESSES_PER_PAGE + len(self.addresses)


@functools.cache
def catalogue() -> Catalogue:
    """Return the platform directory and legal profiles (content/removals), read once, with
    the helpline's own routes file (RECLAIM_HELPLINE_ROUTES) merged in when there is one."""
    return load_catalogue(settings.CONTENT_DIR, extra=settings.HELPLINE_ROUTES)


def open_new_case(request: HttpRequest, intake: Intake) -> NewCase:
    """Open a case from ``intake`` with its recognised addresses; return it."""
    member = member_of(request)
    if not allows(member, Action.EDIT_CASE):
        raise PermissionDenied("opening cases is casework")
    recognised = recognise_addresses(
        intake.pasted, catalogue(), intake.country, organisation=member.helpline.slug
    )
    if len(recognised.addresses) > MAX_ADDRESSES_PER_CASE:
        raise CaseworkError(f"A case takes up to {MAX_ADDRESSES_PER_CASE} addresses.")
    line = member.helpline
    with transaction.atomic():
        case = Case.objects.create(
            helpline=line,
            number=next_number(line),
            source=intake.source,
            opened_at=timezone.now(),
            assigned_to=member if member.caseworker else None,
            country=intake.country,
            under_18=intake.under_18,
            contact_method=intake.contact_method,
            contact_safe=intake.contact_safe,
            sealed_contact=keys.seal_text(line, intake.contact) if intake.contact else None,
            sealed_summary=keys.seal_text(line, intake.summary),
        )
        CaseAddress.objects.bulk_create(address_rows(case, recognised))
        record(request, "open case", case, detail={"addresses": str(len(recognised.addresses))})
        drafts.forget(member, "new-case")
    return NewCase(case, recognised)


def view_case(request: HttpRequest, number: str, page: int = 1) -> CaseView:
    """Return case ``number`` for its page, with page ``page`` of its addresses."""
    case = open_case(request, number, Action.VIEW_CASE)
    count = case.addresses.count()
    page = min(max(page, 1), max(1, -(-count // ADDRESSES_PER_PAGE)))
    start = (page - 1) * ADDRESSES_PER_PAGE
    ordered = case.addresses.select_related("claimed_by__user").order_by(
        "deadline", "platform", "pk"
    )
    addresses = list(ordered[start : start + ADDRESSES_PER_PAGE])
    colleagues = StaffMember.objects.filter(
        helpline_id=case.helpline_id, active=True, caseworker=True
    ).select_related("user")
    contact = keys.unseal_text(case.helpline, case.sealed_contact) if case.contact_safe else ""
    summary = summaries.shown(keys.unseal_text(case.helpline, case.sealed_summary))
    caseworkers = list(colleagues.order_by("user__username"))
    return CaseView(case, summary, contact, addresses, caseworkers, count, page)


def view_address(request: HttpRequest, number: str, address_id: int) -> CaseAddress:
    """Return one address of case ``number`` (the page that confirms taking a claim over)."""
    case = open_case(request, number, Action.VIEW_CASE, target=f"address:{address_id}")
    found = case.addresses.select_related("claimed_by__user").filter(pk=address_id).first()
    if found is None:
        raise Http404("no such address")
    return found


def assign(request: HttpRequest, number: str, member_id: int) -> Case:
    """Assign case ``number`` to an active caseworker of its helpline (a hand-over)."""

    def change(case: Case, member: StaffMember) -> dict[str, str]:
        colleague = StaffMember.objects.filter(
            pk=member_id, helpline_id=case.helpline_id, active=True, caseworker=True
        ).first()
        if colleague is None:
            raise CaseworkError("Choose an active caseworker of this helpline.")
        before = case.assigned_to_id
        case.assigned_to = colleague
        case.save(update_fields=["assigned_to"])
        # What the worker told the one who had it (an address back online) goes with the case.
        Notification.objects.filter(case=case, read_at=None).update(member=colleague)
        return {"from": str(before or ""), "to": str(colleague.pk)}

    return open_case(request, number, Action.ASSIGN, change=change)


def claim(request: HttpRequest, number: str, address_id: int, take_over: bool) -> Case:
    """Claim an address of case ``number`` for the member; taking another's claim is confirmed.

    Raise ClaimedError (nothing changed) when someone else holds it and ``take_over`` is false.
    """

    def change(case: Case, member: StaffMember) -> dict[str, str]:
        address = _locked_address(case, address_id)
        before = address.claimed_by_id
        if before not in (None, member.pk) and not take_over:
            raise ClaimedError("Someone else has claimed this address.")
        address.claimed_by, address.claimed_at = member, timezone.now()
        address.save(update_fields=["claimed_by", "claimed_at"])
        return {"taken_from": str(before)} if before not in (None, member.pk) else {}

    target = f"address:{address_id}"
    return open_case(request, number, Action.CLAIM_ADDRESS, target=target, change=change)


def release(request: HttpRequest, number: str, address_id: int) -> Case:
    """Release the member's claim on an address (a supervisor may release anyone's)."""

    def change(case: Case, member: StaffMember) -> dict[str, str]:
        address = _locked_address(case, address_id)
        holder = address.claimed_by_id
        if holder is None:
            return {}
        if holder != member.pk and not member.supervisor:
            raise CaseworkError("Only the person who claimed it, or a supervisor, releases it.")
        address.claimed_by, address.claimed_at = None, None
        address.save(update_fields=["claimed_by", "claimed_at"])
        return {"released_from": str(holder)}

    target = f"address:{address_id}"
    return open_case(request, number, Action.CLAIM_ADDRESS, target=target, change=change)


def refresh_next_deadline(case: Case) -> None:
    """Keep ``case.next_deadline`` the nearest deadline of its open addresses (for the queue)."""
    open_addresses = case.addresses.filter(status__in=CaseAddress.OPEN_STATUSES)
    nearest = open_addresses.aggregate(nearest=Min("deadline"))["nearest"]
    Case.objects.filter(pk=case.pk).update(next_deadline=nearest)
    case.next_deadline = nearest


def address_key(url: str) -> str:
    """Return the key an address is kept under in a case: the SHA-256 of its normal form."""
    return hashlib.sha256(url.encode()).hexdigest()


def address_rows(case: Case, recognised: AddressList) -> list[CaseAddress]:
    """Return unsaved rows for ``case``'s recognised addresses (intake and referrals)."""
    made = []
    for pasted in recognised.addresses:
        plan = pasted.plan
        made.append(
            CaseAddress(
                case=case,
                helpline_id=case.helpline_id,
                url=pasted.url,
                key=address_key(pasted.url),
                platform=plan.platform.id if plan.platform else "",
                route=plan.routes[0].purpose if plan.routes else "",
                profile=plan.profile.id,
            )
        )
    return made


def _locked_address(case: Case, address_id: int) -> CaseAddress:
    address = case.addresses.select_for_update().filter(pk=address_id).first()
    if address is None:
        raise Http404("no such address")
    return address


def next_number(line: Helpline) -> str:
    """Return the helpline's next case number ("2026-000123"); call inside a transaction."""
    locked = Helpline.objects.select_for_update().get(pk=line.pk)
    year = timezone.now().astimezone(datetime.UTC).year
    serial = locked.last_case_serial + 1 if locked.last_case_year == year else 1
    Helpline.objects.filter(pk=line.pk).update(last_case_year=year, last_case_serial=serial)
    return f"{year}-{serial:06d}"
