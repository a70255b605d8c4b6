"""Removal requests in the web app: the catalogue, starting, sending, watching and reminding.

Views call these; they call reclaim.notices. The requests are kept in the person's locker;
the database holds only a sealed Watch per open request for the worker (models.py).
"""

import datetime
import functools
import io
import logging
import time
from dataclasses import asdict, fields, replace
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language

from reclaim.hashing import MAX_DECODED_PIXELS, HashError, pdq_from_image
from reclaim.locker import SealError
from reclaim.notices import (
    AbuseContact,
    Catalogue,
    Check,
    HostingReport,
    LockerRequestStore,
    Notice,
    NoticeError,
    Platform,
    Profile,
    RdapBootstrap,
    RdapError,
    Recheck,
    RecheckTarget,
    RemovalRequest,
    RequestFacts,
    Route,
    add,
    compose,
    deadline,
    fetch_bootstrap,
    is_overdue,
    load_catalogue,
    look_up,
    move,
    recheck_many,
    record_check,
    revise,
)
from reclaim.notices._tracking import DRAFT, READY, SUBMITTED, WITHDRAWN
from reclaim.web.access.session import OpenLocker
from reclaim.web.removals.models import Watch
from reclaim.web.sealing import seal_payload, unseal_payload

PERSON = "you"  # the actor name of the person themself (caseworkers come with accounts)
MAX_HASHED_BYTES = 50 * 1024 * 1024  # larger pictures are not hashed for re-checks
CLAIM_MINUTES = 15  # a worker's hold on a batch of watches; longer than any batch takes
RECHECK_BATCH = 200
RECHECK_CONCURRENCY = 8
REMINDER_SUBJECT = "A reminder from your account"  # discreet: it names nothing
log = logging.getLogger(__name__)


@functools.cache
def catalogue() -> Catalogue:
    """Return the platform directory and legal profiles (content/removals), read once."""
    return load_catalogue(settings.CONTENT_DIR)


def requests_of(opened: OpenLocker) -> list[RemovalRequest]:
    """Return the case's requests after recording what the worker saw, newest first."""
    store = LockerRequestStore(opened.box)
    _record_results(opened, store)
    found = store.all()
    _arm_watches(opened, found)
    return list(reversed(found))


def needing_attention(opened: OpenLocker) -> int:
    """Return how many requests are overdue or reappeared: the in-app reminder."""
    now = timezone.now()
    return sum(
        1
        for found in requests_of(opened)
        if found.status == "reappeared" or is_overdue(found, due(found), now)
    )


def request_of(opened: OpenLocker, request_id: str) -> RemovalRequest:
    """Return one request (raise NoticeError if there is none), with the worker's news."""
    for found in requests_of(opened):
        if found.id == request_id:
            return found
    raise NoticeError(f"there is no removal request {request_id}")


def notice_for(request: RemovalRequest) -> Notice:
    """Return the request in words; raise NoticeError if it is not complete."""
    platform, route, profile = parts_of(request)
    if not route.target:
        raise NoticeError("there is no address to send this request to yet")
    return compose(request.facts, platform, route, profile)


def shown_catalogue() -> Catalogue:
    """Return the catalogue with the words a person reads in the active language."""
    return catalogue().in_language(get_language() or "en")


def form_pack(request: RemovalRequest) -> tuple[tuple[str, str], ...]:
    """Return the request's parts to copy into a form: each label in the active language,
    each value as the request says it (in English, as it goes to the platform).

    Raises NoticeError if the request is not complete.
    """
    platform, route, profile = parts_of(request, shown_catalogue())
    return compose(request.facts, platform, route, profile).fields


def parts_of(
    request: RemovalRequest, books: Catalogue | None = None
) -> tuple[Platform | None, Route, Profile]:
    """Return the request's platform (or None), route and profile from ``books`` (by default
    the original catalogue, which requests are written from)."""
    books = books or catalogue()
    profile = books.profiles.get(request.profile_id)
    platform = books.directory.get(request.platform_id) if request.platform_id else None
    if platform is not None and 0 <= request.route_index < len(platform.routes):
        return platform, platform.routes[request.route_index], profile
    # A site the directory does not know, or knows no route for: its own abuse address.
    return platform, Route("email", "abuse", address=request.recipient), profile


def start(opened: OpenLocker, request: RemovalRequest, ready: bool = True) -> RemovalRequest:
    """Store a new request, ready if asked and complete; raise DuplicateRequestError for a
    second open one about the same address and site."""
    request = _settle(replace(request, hashes=case_hashes(opened, request.incident_id)), ready)
    add(LockerRequestStore(opened.box), request)
    return request


def edit(
    opened: OpenLocker, request: RemovalRequest, facts: RequestFacts, ready: bool, **changes: Any
) -> RemovalRequest:
    """Store what a request not yet sent now says; ready it if asked and complete.

    Raises TrackingError (a NoticeError) once the request has been sent.
    """
    revised = revise(request, facts, PERSON, **changes)
    return change(opened, _settle(revised, ready), "edited")


def withdraw(opened: OpenLocker, request: RemovalRequest) -> RemovalRequest:
    """Withdraw a request on the person's word; raise TrackingError if it has ended already."""
    withdrawn = move(request, WITHDRAWN, PERSON, note="withdrawn by the person")
    return change(opened, withdrawn, "withdrawn")


def _settle(request: RemovalRequest, ready: bool) -> RemovalRequest:
    """Return the request ready if asked and complete, or a draft again if no longer complete."""
    try:
        notice_for(request)
    except NoticeError:
        complete = False
    else:
        complete = True
    if request.status == DRAFT and ready and complete:
        return move(request, READY, PERSON, note="every element is present")
    if request.status == READY and not complete:
        return move(request, DRAFT, PERSON, note="something the request needs is missing")
    return request


def merged_facts(kept: RequestFacts, typed: RequestFacts) -> RequestFacts:
    """Return the kept facts with what was typed added: typed words win, ticks add up."""
    changes: dict[str, Any] = {}
    for item in fields(RequestFacts):
        old, new = getattr(kept, item.name), getattr(typed, item.name)
        if isinstance(old, bool):
            changes[item.name] = old or new
        elif isinstance(old, str) and new.strip():
            changes[item.name] = new
    return replace(kept, **changes)


def default_country(opened: OpenLocker) -> str:
    """Return the country of the person's last request, or the site's (REMOVAL_COUNTRY)."""
    made = LockerRequestStore(opened.box).all()
    return made[-1].country if made else settings.REMOVAL_COUNTRY


def case_hashes(opened: OpenLocker, incident_id: str) -> tuple[str, ...]:
    """Return the PDQ hashes of the case's pictures (the incident's, or all), personal mode only.

    They let a re-check tell whether a page still shows the image. In service mode the
    server never hashes a person's images (they hash on their own device), so none are made.
    """
    if settings.SERVICE:
        return ()
    hashes = []
    for item in opened.box.items():
        if not item.media_type.startswith("image/") or item.size > MAX_HASHED_BYTES:
            continue
        if incident_id and item.incident != incident_id:
            continue
        try:
            picture = io.BytesIO(b"".join(opened.box.read(item.id)))
            signal = pdq_from_image(picture, max_decoded_pixels=MAX_DECODED_PIXELS)
        except HashError:
            continue
        if signal.reliable:
            hashes.append(str(signal.hash))
    return tuple(dict.fromkeys(hashes))


def set_recipient(opened: OpenLocker, request: RemovalRequest, address: str) -> RemovalRequest:
    """Send a request about an unknown site to ``address``; ready it if now complete."""
    request = replace(request, recipient=address)
    if request.status == DRAFT:
        try:
            notice_for(request)
        except NoticeError:
            pass
        else:
            request = move(request, READY, PERSON, note=f"to be sent to {address}")
    return change(opened, request, "recipient")


def change(opened: OpenLocker, request: RemovalRequest, action: str) -> RemovalRequest:
    """Store a changed request and re-arm its watch."""
    store = LockerRequestStore(opened.box)
    store.save(request, action)
    _arm_watches(opened, [request])
    return request


def due(request: RemovalRequest) -> datetime.datetime | None:
    """Return when the platform's (or the follow-up) time runs out for this request."""
    platform, _, profile = parts_of(request)
    review = platform.review_hours if platform else None
    return deadline(request, profile.deadline_hours, review)


# Sending ----------------------------------------------------------------------------------


def can_email() -> bool:
    """Return whether this site sends email (an SMTP host is configured)."""
    return bool(settings.EMAIL_HOST)


def send_email(opened: OpenLocker, request: RemovalRequest) -> RemovalRequest:
    """Email the request to the platform, keep a copy in the locker, mark it submitted."""
    notice = notice_for(request)
    to = notice.route.address
    message = EmailMessage(
        notice.subject,
        notice.body,
        settings.DEFAULT_FROM_EMAIL,
        [to],
        reply_to=[request.facts.email] if "@" in request.facts.email else None,
    )
    message.send()  # raises on any SMTP failure: nothing is recorded as sent then
    opened.box.add(
        io.BytesIO(message.message().as_bytes()),
        "removal-request.eml",
        "message/rfc822",
        note=f"The removal request as sent to {to}",
        incident=request.incident_id or None,
        details={"sent_to": to, "request": request.id},
    )
    sent = move(request, SUBMITTED, PERSON, note=f"sent by email to {to}")
    return change(opened, sent, "sent")


# Looking up the host ------------------------------------------------------------------------


class HostUnknownError(NoticeError):
    """No registry could be asked or none answered: often, no connection to the internet."""


def find_host(opened: OpenLocker, request: RemovalRequest) -> RemovalRequest:
    """Look up the host, registrar and CDN by RDAP and keep the answer with the request.

    Raises HostUnknownError, keeping nothing, when no registry answered at all (offline, or
    the registries are down): the person can simply try again later.
    """
    try:
        report = look_up(request.url, _bootstrap(), allow_private=settings.CAPTURE_ALLOW_PRIVATE)
    except RdapError as error:
        raise HostUnknownError(str(error)) from None
    if report.registrar is None and not report.networks:
        raise HostUnknownError("; ".join(report.problems))
    return change(opened, replace(request, hosting=asdict(report)), "host looked up")


def hosting_of(request: RemovalRequest) -> HostingReport | None:
    """Return the RDAP answer kept with the request, or None if nobody looked yet."""
    if not request.hosting:
        return None
    data = dict(request.hosting)
    registrar = data["registrar"]
    return HostingReport(
        domain=data["domain"],
        addresses=tuple(data["addresses"]),
        registrar=AbuseContact(**registrar) if registrar else None,
        networks=tuple(AbuseContact(**n) for n in data["networks"]),
        cdn=data["cdn"],
        problems=tuple(data["problems"]),
    )


_iana: tuple[float, RdapBootstrap] | None = None
BOOTSTRAP_SECONDS = 24 * 3600  # IANA's files change a few times a year; a day is plenty


def _bootstrap() -> RdapBootstrap:
    global _iana
    if settings.RDAP_SERVER:
        return RdapBootstrap.single(settings.RDAP_SERVER)
    if _iana is None or time.monotonic() - _iana[0] > BOOTSTRAP_SECONDS:
        _iana = (time.monotonic(), fetch_bootstrap())
    return _iana[1]


# Watching -----------------------------------------------------------------------------------


def _watched(request: RemovalRequest) -> bool:
    return request.is_open and request.status not in (DRAFT, READY)


def _arm_watches(opened: OpenLocker, requests: list[RemovalRequest]) -> None:
    """Keep one watch per open, sent request, with its deadline; remove the others."""
    for request in requests:
        if not _watched(request):
            Watch.objects.filter(locker_ref=opened.ref, request_id=request.id).delete()
            continue
        payload = seal_payload(
            {
                "url": request.url,
                "digest": request.page_digest,
                "hashes": list(request.hashes),
                "remind": request.remind_email,
            }
        )
        when = due(request)
        watch, created = Watch.objects.get_or_create(
            locker_ref=opened.ref,
            request_id=request.id,
            defaults={"payload": payload, "next_check": timezone.now(), "deadline": when},
        )
        if not created:
            changed = watch.deadline != when
            Watch.objects.filter(id=watch.id).update(
                payload=payload,
                deadline=when,
                reminded=False if changed else watch.reminded,
            )


def _record_results(opened: OpenLocker, store: LockerRequestStore) -> None:
    """Record in the locker what the worker saw, then clear it from the database."""
    with transaction.atomic():
        watches = list(
            Watch.objects.select_for_update().filter(locker_ref=opened.ref, results__isnull=False)
        )
        if not watches:
            return
        requests = {r.id: r for r in store.all()}
        for watch in watches:
            found = requests.get(watch.request_id)
            for check in _results(watch):
                if found is not None:
                    found = record_check(found, check)
            if found is not None:
                store.save(found, "re-checked")
            Watch.objects.filter(id=watch.id).update(results=None)


def _results(watch: Watch) -> list[Check]:
    try:
        return [Check(**c) for c in unseal_payload(bytes(watch.results))["checks"]]
    except SealError:  # sealed under an earlier SECRET_KEY (personal mode makes one per run)
        return []


def run_due_rechecks(now: datetime.datetime | None = None) -> bool:
    """Re-check the addresses whose time has come; return False if there were none."""
    now = now or timezone.now()
    claimed = _claim(now)
    if not claimed:
        return _send_reminders(now)
    watches, targets = [], []
    for watch in claimed:
        try:
            payload = unseal_payload(bytes(watch.payload))
        except SealError:  # the person's next visit seals it again with the current key
            watch.delete()
            continue
        watches.append(watch)
        targets.append(_target(payload))
    results = recheck_many(
        targets,
        concurrency=RECHECK_CONCURRENCY,
        allow_private=settings.CAPTURE_ALLOW_PRIVATE,
    )
    for watch, result in zip(watches, results, strict=True):
        _keep_result(watch, result, now)
    _send_reminders(now)
    return True


def _claim(now: datetime.datetime) -> list[Watch]:
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    ids = list(
        Watch.objects.filter(free, next_check__lte=now)
        .order_by("next_check")
        .values_list("id", flat=True)[:RECHECK_BATCH]
    )
    hold = now + datetime.timedelta(minutes=CLAIM_MINUTES)
    mine = [i for i in ids if Watch.objects.filter(free, id=i).update(claimed_until=hold)]
    return list(Watch.objects.filter(id__in=mine))


def _target(payload: dict[str, Any]) -> RecheckTarget:
    from reclaim.hashing import PdqHash

    hashes = tuple(PdqHash(h) for h in payload.get("hashes", []))
    return RecheckTarget(payload["url"], payload.get("digest", ""), hashes)


def _keep_result(watch: Watch, result: Recheck, now: datetime.datetime) -> None:
    payload = unseal_payload(bytes(watch.payload))
    if not payload.get("digest") and result.outcome == "changed":
        # The first look at a page nobody fingerprinted yet: that is the page as reported.
        result = replace(result, outcome="present")
        payload["digest"] = result.digest
        Watch.objects.filter(id=watch.id).update(payload=seal_payload(payload))
    check = Check(
        result.checked_utc,
        result.outcome,
        result.status_code,
        result.digest,
        len(result.matched_images),
        result.removal_confirmed,
        result.cdn,
    )
    with transaction.atomic():
        current = Watch.objects.select_for_update().filter(id=watch.id).first()
        if current is None:  # the request was closed meanwhile
            return
        earlier = _results(current) if current.results else []
        checks = [c.__dict__ for c in (*earlier, check)]
        Watch.objects.filter(id=watch.id).update(
            results=seal_payload({"checks": checks}),
            next_check=now + datetime.timedelta(hours=settings.RECHECK_HOURS),
            claimed_until=None,
        )


def _send_reminders(now: datetime.datetime) -> bool:
    """Send the one discreet reminder each opted-in request gets when its time runs out."""
    if not can_email():
        return False
    sent = False
    for watch in Watch.objects.filter(deadline__lt=now, reminded=False):
        try:
            address = unseal_payload(bytes(watch.payload)).get("remind", "")
        except SealError:
            continue
        if address and Watch.objects.filter(id=watch.id, reminded=False).update(reminded=True):
            _remind(address)
            sent = True
    return sent


def _remind(address: str) -> None:
    body = (
        "Hello,\n\nSomething in your account is waiting for you. Sign in when it is safe "
        "to have a look.\n\nYou asked for this reminder. You can turn reminders off in your "
        "account.\n"
    )
    try:
        EmailMessage(REMINDER_SUBJECT, body, settings.DEFAULT_FROM_EMAIL, [address]).send()
    except OSError:
        log.warning("a reminder could not be sent; it will not be retried")
