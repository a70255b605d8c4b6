"""The person's removal requests: reading them (never writing), starting and changing them.

The requests are kept in the person's locker. Before every change the open-locker decorator
has caught up with what the worker saw (watches.catch_up, through reclaim.web.access.changes);
a change stores the request and re-arms its watch.
"""

from dataclasses import fields, replace
from typing import Any

from django.conf import settings
from django.utils import timezone

from reclaim import notices
from reclaim.notices import (
    DRAFT,
    READY,
    WITHDRAWN,
    LockerRequestStore,
    NoticeError,
    RemovalRequest,
    RequestFacts,
    add,
    is_overdue,
    move,
    revise,
)
from reclaim.web.access.session import OpenLocker
from reclaim.web.removals.services import watches
from reclaim.web.removals.services.catalogue import due, notice_for

PERSON = "you"  # the actor name of the person themself (caseworkers come with accounts)


def requests_of(opened: OpenLocker) -> list[RemovalRequest]:
    """Return the case's requests with what the worker saw, newest first; writes nothing."""
    found = watches.with_results(opened, LockerRequestStore(opened.box).all())
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


def request_to_change(opened: OpenLocker, request_id: str) -> RemovalRequest:
    """Return one request to change it (POST: the decorator has caught up with the worker)."""
    return request_of(opened, request_id)


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


def set_recipient(opened: OpenLocker, request: RemovalRequest, address: str) -> RemovalRequest:
    """Send a request about an unknown site to ``address``; ready it if now complete."""
    request = replace(request, recipient=address)
    if request.status == DRAFT and _complete(request):
        request = move(request, READY, PERSON, note=f"to be sent to {address}")
    return change(opened, request, "recipient")


def change(opened: OpenLocker, request: RemovalRequest, action: str) -> RemovalRequest:
    """Store a changed request and re-arm its watch."""
    LockerRequestStore(opened.box).save(request, action)
    watches.arm(opened, [request])
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
    """Return the PDQ hashes of the case's pictures (reclaim.notices.case_hashes), personal
    mode only: in service mode the server never hashes a person's images (they hash on their
    own device), so none are made."""
    if settings.SERVICE:
        return ()
    return notices.case_hashes(opened.box, incident_id)


def _settle(request: RemovalRequest, ready: bool) -> RemovalRequest:
    """Return the request ready if asked and complete, or a draft again if no longer complete."""
    complete = _complete(request)
    if request.status == DRAFT and ready and complete:
        return move(request, READY, PERSON, note="every element is present")
    if request.status == READY and not complete:
        return move(request, DRAFT, PERSON, note="something the request needs is missing")
    return request


def _complete(request: RemovalRequest) -> bool:
    try:
        notice_for(request)
    except NoticeError:
        return False
    return True
