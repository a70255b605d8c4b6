"""Following a removal request from draft to verified removal, against the legal clock.

Statuses and the moves between them:

    draft → ready → submitted → acknowledged / information requested / under review
        → an outcome: removed, partly removed, geo-restricted (not a removal: Re X Corp.,
          2025 BCCRT 1228), delisted from search only, refused (with the platform's reason),
          no response
        → follow-ups: appealed, escalated (to the host, registrar, CDN, search engine,
          regulator or police), reappeared (a re-check found it again)
    withdrawn (by the person) and closed end it, from anywhere.

Every change is an Event with its time and who made it. A removal counts as verified only when
a re-check confirms it; content that comes back reopens the request as "reappeared".
"""

import datetime
import uuid
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from reclaim.notices._compose import NoticeError, RequestFacts

DRAFT, READY, SUBMITTED = "draft", "ready", "submitted"
ACKNOWLEDGED, INFO_REQUESTED, UNDER_REVIEW = "acknowledged", "information-requested", "under-review"
REMOVED, PARTLY_REMOVED, GEO_RESTRICTED = "removed", "partly-removed", "geo-restricted"
DELISTED, REFUSED, NO_RESPONSE = "delisted", "refused", "no-response"
APPEALED, ESCALATED, REAPPEARED = "appealed", "escalated", "reappeared"
WITHDRAWN, CLOSED = "withdrawn", "closed"

WAITING = (SUBMITTED, ACKNOWLEDGED, UNDER_REVIEW, APPEALED, ESCALATED)  # the platform's move
OUTCOMES = (REMOVED, PARTLY_REMOVED, GEO_RESTRICTED, DELISTED, REFUSED, NO_RESPONSE)
FOLLOW_UPS = (APPEALED, ESCALATED)
ENDED = (WITHDRAWN, CLOSED)
EDITABLE = (DRAFT, READY)  # not yet sent: the person can still change what it says
STATUSES = (DRAFT, READY, SUBMITTED, ACKNOWLEDGED, INFO_REQUESTED, UNDER_REVIEW, *OUTCOMES,
            APPEALED, ESCALATED, REAPPEARED, *ENDED)  # fmt: skip
MOVES: dict[str, tuple[str, ...]] = {
    DRAFT: (READY,),
    READY: (DRAFT, SUBMITTED),
    SUBMITTED: (ACKNOWLEDGED, INFO_REQUESTED, UNDER_REVIEW, *OUTCOMES),
    ACKNOWLEDGED: (INFO_REQUESTED, UNDER_REVIEW, *OUTCOMES),
    INFO_REQUESTED: (SUBMITTED, UNDER_REVIEW, *OUTCOMES),
    UNDER_REVIEW: (INFO_REQUESTED, *OUTCOMES),
    REMOVED: (REAPPEARED,),
    PARTLY_REMOVED: (*FOLLOW_UPS, REMOVED, REAPPEARED),
    GEO_RESTRICTED: (*FOLLOW_UPS, REMOVED),
    DELISTED: (*FOLLOW_UPS, REMOVED),
    REFUSED: (*FOLLOW_UPS, REMOVED),
    NO_RESPONSE: (*FOLLOW_UPS, ACKNOWLEDGED, *OUTCOMES[:-1]),
    APPEALED: (ACKNOWLEDGED, UNDER_REVIEW, *OUTCOMES, ESCALATED),
    ESCALATED: (ACKNOWLEDGED, UNDER_REVIEW, *OUTCOMES, ESCALATED),
    REAPPEARED: (SUBMITTED, *FOLLOW_UPS, REMOVED),
    WITHDRAWN: (),
    CLOSED: (),
}
ESCALATION_TARGETS = ("host", "registrar", "cdn", "search", "regulator", "police")
DEFAULT_FOLLOW_UP_DAYS = 7  # where no law sets a clock: our choice of a week
MAX_CHECKS_KEPT = 50
RECHECK = "re-check"  # the actor name of the background re-check


class TrackingError(NoticeError):
    """A change a request cannot make from where it stands."""


@dataclass(frozen=True)
class Event:
    """One change to a request: when, by whom, to what, and what came with it."""

    at_utc: str
    by: str
    status: str
    note: str = ""
    ticket: str = ""
    reason: str = ""
    escalated_to: str = ""


@dataclass(frozen=True)
class Check:
    """What one re-check saw (reclaim.notices.Recheck, kept small)."""

    at_utc: str
    outcome: str
    status_code: int | None
    digest: str
    matched_images: int
    removal_confirmed: bool
    cdn: str = ""  # a network in front of the site, seen in the answer's headers


@dataclass(frozen=True)
class RemovalRequest:
    """A request to a platform to remove content at one address."""

    id: str
    url: str
    platform_id: str  # "" when the directory does not know the site
    route_index: int  # which of the platform's routes (-1: the host's abuse address)
    profile_id: str
    facts: RequestFacts
    country: str
    incident_id: str = ""
    status: str = DRAFT
    ticket: str = ""
    verified: bool = False  # a re-check confirmed the removal
    recipient: str = ""  # the email address for the host's abuse desk (route_index -1)
    follow_up_days: int = DEFAULT_FOLLOW_UP_DAYS
    page_digest: str = ""  # the page as it was when the request was made
    hashes: tuple[str, ...] = ()  # PDQ hex of the case's images, for re-checks
    remind_email: str = ""  # the person opted into one email when the time runs out
    hosting: dict[str, Any] | None = None  # the RDAP answer (reclaim.notices.HostingReport)
    batch_id: str = ""  # the batch request it was sent in (reclaim.notices.compose_batch)
    events: tuple[Event, ...] = ()
    checks: tuple[Check, ...] = field(default=(), compare=False)

    @property
    def is_open(self) -> bool:
        """Return whether the request still counts (not withdrawn or closed)."""
        return self.status not in ENDED

    @property
    def submitted_utc(self) -> str:
        """Return when the request was last sent (the clock's start), or ''."""
        sent = [e.at_utc for e in self.events if e.status == SUBMITTED]
        return sent[-1] if sent else ""

    def to_record(self) -> dict[str, Any]:
        """Return the request as plain JSON-ready data."""
        return asdict(self)

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> "RemovalRequest":
        """Return the request stored as ``record`` by ``to_record``."""
        facts = dict(record["facts"])
        facts["locations"] = tuple(facts["locations"])
        return cls(
            **{
                **record,
                "facts": RequestFacts(**facts),
                "hashes": tuple(record["hashes"]),
                "events": tuple(Event(**e) for e in record["events"]),
                "checks": tuple(Check(**c) for c in record["checks"]),
            }
        )


def new_request(
    url: str,
    facts: RequestFacts,
    platform_id: str,
    route_index: int,
    profile_id: str,
    country: str,
    by: str,
    **details: Any,
) -> RemovalRequest:
    """Return a new draft request, its creation recorded as made by ``by``."""
    if facts.under_18:
        from reclaim.notices._compose import Under18RequestError

        raise Under18RequestError
    created = Event(_now(), by, DRAFT, note="request written")
    return RemovalRequest(
        uuid.uuid4().hex, url, platform_id, route_index, profile_id, facts, country,
        events=(created,), **details,
    )  # fmt: skip


def move(
    request: RemovalRequest, status: str, by: str, at_utc: str = "", **details: str
) -> RemovalRequest:
    """Return the request moved to ``status``; raise TrackingError if that move is not allowed.

    ``details`` are the event's note, ticket (the platform's ticket number), reason (why a
    platform refused) and escalated_to (one of ESCALATION_TARGETS).
    """
    if status not in STATUSES:
        raise TrackingError(f"{status!r} is not a status")
    if request.status in ENDED:
        raise TrackingError(f"this request is {request.status}: start a new one instead")
    if status not in MOVES[request.status] and status not in ENDED:
        raise TrackingError(f"a request that is {request.status} cannot become {status}")
    if status == REFUSED and not details.get("reason", "").strip():
        raise TrackingError("say the platform's reason for refusing (it helps with an appeal)")
    if status == ESCALATED and details.get("escalated_to") not in ESCALATION_TARGETS:
        raise TrackingError(f"say who it went to: one of {', '.join(ESCALATION_TARGETS)}")
    event = Event(at_utc or _now(), by, status, **details)
    ticket = details.get("ticket", "").strip() or request.ticket
    verified = request.verified and status == REMOVED
    return replace(
        request, status=status, ticket=ticket, verified=verified,
        events=(*request.events, event),
    )  # fmt: skip


def revise(request: RemovalRequest, facts: RequestFacts, by: str, **changes: Any) -> RemovalRequest:
    """Return the request with new facts (and ``changes``: route_index, recipient), the change
    recorded as made by ``by``; raise TrackingError once it has been sent.

    A request can change only before it goes: what the platform received must stay as sent.
    """
    if request.status not in EDITABLE:
        raise TrackingError(f"a request that is {request.status} can no longer be changed")
    if facts.under_18:
        from reclaim.notices._compose import Under18RequestError

        raise Under18RequestError
    event = Event(_now(), by, request.status, note="details changed")
    return replace(request, facts=facts, events=(*request.events, event), **changes)


def deadline(
    request: RemovalRequest, deadline_hours: int | None, review_hours: int | None = None
) -> datetime.datetime | None:
    """Return when the platform's (or the follow-up) time runs out, or None if nobody waits.

    The clock starts at the last move that left the platform to act: the legal clock of the
    profile from a valid request, the platform's own review time where it publishes one, or
    the organisation's follow-up interval where no law sets a time.
    """
    if request.status not in WAITING or not request.events:
        return None
    started = datetime.datetime.fromisoformat(request.events[-1].at_utc)
    if request.status in (SUBMITTED, ACKNOWLEDGED, UNDER_REVIEW):
        started = datetime.datetime.fromisoformat(
            request.submitted_utc or request.events[-1].at_utc
        )
        hours = deadline_hours or review_hours
        if hours:
            return started + datetime.timedelta(hours=hours)
    return started + datetime.timedelta(days=request.follow_up_days)


def is_overdue(
    request: RemovalRequest, due: datetime.datetime | None, now: datetime.datetime | None = None
) -> bool:
    """Return whether ``due`` has passed for a request still waiting on the platform."""
    return due is not None and (now or datetime.datetime.now(datetime.UTC)) > due


def record_check(request: RemovalRequest, check: Check) -> RemovalRequest:
    """Return the request with a re-check's result, moving it where the result says.

    Gone (confirmed): the request becomes removed and verified. Found again after a verified
    removal: reappeared. Anything else is kept as an observation without a status change.
    """
    checks = (*request.checks, check)[-MAX_CHECKS_KEPT:]
    baseline = request.page_digest or (check.digest if check.outcome == "present" else "")
    request = replace(request, checks=checks, page_digest=baseline)
    if request.status in ENDED or request.status in (DRAFT, READY):
        return request
    if check.removal_confirmed and not (request.status == REMOVED and request.verified):
        note = f"the content is no longer there (HTTP {check.status_code or 'no answer'})"
        if request.status != REMOVED:
            request = move(request, REMOVED, RECHECK, check.at_utc, note=note)
        return replace(
            request,
            verified=True,
            events=(
                *request.events,
                Event(check.at_utc, RECHECK, REMOVED, note="removal verified by a re-check"),
            ),
        )
    if check.outcome == "present" and request.verified:
        note = "the content is back online"
        return replace(move(request, REAPPEARED, RECHECK, check.at_utc, note=note), verified=False)
    return request


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
