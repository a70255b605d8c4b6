"""The watches: what the database keeps of each open request for the worker (models.Watch).

Reading never writes. ``with_results`` shows the requests with what the worker saw merged in,
in memory; ``catch_up`` (run before each change the person makes and on unlocking, through
reclaim.web.access.changes) records those results in the locker, clears them from the
database, and keeps one watch per sent, open request with its current payload and deadline.
"""

from django.db import transaction
from django.utils import timezone

from reclaim.locker import SealError
from reclaim.notices import DRAFT, READY, Check, LockerRequestStore, RemovalRequest, record_check
from reclaim.web.access.session import OpenLocker
from reclaim.web.removals.models import Watch
from reclaim.web.removals.services.catalogue import due
from reclaim.web.sealing import seal_payload, unseal_payload


def with_results(opened: OpenLocker, requests: list[RemovalRequest]) -> list[RemovalRequest]:
    """Return the requests with the re-checks the worker saw applied, writing nothing."""
    waiting = _waiting(opened)
    return [_applied(found, waiting.get(found.id, [])) for found in requests]


def catch_up(opened: OpenLocker) -> None:
    """Record in the locker what the worker saw, clear it, and arm every request's watch."""
    store = LockerRequestStore(opened.box)
    with transaction.atomic():
        watches = list(
            Watch.objects.select_for_update().filter(locker_ref=opened.ref, results__isnull=False)
        )
        requests = {found.id: found for found in store.all()}
        for watch in watches:
            found = requests.get(watch.request_id)
            if found is not None:
                requests[found.id] = _applied(found, results_of(watch))
                store.save(requests[found.id], "re-checked")
            Watch.objects.filter(id=watch.id).update(results=None)
    arm(opened, list(requests.values()))


def arm(opened: OpenLocker, requests: list[RemovalRequest]) -> None:
    """Keep one watch per open, sent request, with its deadline; remove the others."""
    for request in requests:
        if not _watched(request):
            Watch.objects.filter(locker_ref=opened.ref, request_id=request.id).delete()
        else:
            _arm_one(opened, request)


def results_of(watch: Watch) -> list[Check]:
    """Return the re-checks waiting in a watch ([] when none, or sealed under an old key)."""
    if not watch.results:
        return []
    try:
        return [Check(**c) for c in unseal_payload(bytes(watch.results))["checks"]]
    except SealError:  # sealed under an earlier SECRET_KEY (personal mode makes one per run)
        return []


def _arm_one(opened: OpenLocker, request: RemovalRequest) -> None:
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
            payload=payload, deadline=when, reminded=False if changed else watch.reminded
        )


def _waiting(opened: OpenLocker) -> dict[str, list[Check]]:
    watches = Watch.objects.filter(locker_ref=opened.ref, results__isnull=False)
    return {watch.request_id: results_of(watch) for watch in watches}


def _applied(request: RemovalRequest, checks: list[Check]) -> RemovalRequest:
    for check in checks:
        request = record_check(request, check)
    return request


def _watched(request: RemovalRequest) -> bool:
    return request.is_open and request.status not in (DRAFT, READY)
