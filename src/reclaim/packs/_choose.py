"""Choosing part of a case for a pack: by incident, by date, or both."""

import datetime
from collections.abc import Sequence

from reclaim.locker import EvidenceItem, Locker
from reclaim.packs._export import PackError


def choose_items(
    box: Locker,
    incident_ids: Sequence[str] = (),
    since: str | None = None,
    until: str | None = None,
) -> list[str]:
    """Return the ids of the items in the chosen incidents (all if none) and dates, in order.

    An item's date is when it was captured, sent (a message) or added; ``since`` and
    ``until`` are ISO dates, both included.
    """
    known = {incident.id for incident in box.incidents()}
    for incident_id in incident_ids:
        if incident_id not in known:
            raise PackError(f"there is no incident {incident_id} in this locker")
    first, last = _date(since, "since"), _date(until, "until")
    if first and last and first > last:
        raise PackError(f"since ({since}) is after until ({until}): swap them")
    chosen = [
        item.id
        for item in box.items()
        if (not incident_ids or item.incident in incident_ids)
        and (first is None or _evidence_date(item) >= first)
        and (last is None or _evidence_date(item) <= last)
    ]
    if not chosen:
        raise PackError("nothing in the locker matches that choice")
    return chosen


def _date(value: str | None, name: str) -> datetime.date | None:
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise PackError(f"{name} must be a date such as 2026-11-01, not {value!r}") from None


def _evidence_date(item: EvidenceItem) -> datetime.date:
    when = item.details.get("captured_utc") or item.details.get("sent_at") or ""
    try:
        return datetime.date.fromisoformat(when[:10])
    except ValueError:  # a sent time typed in some other form: fall back on when it was kept
        return datetime.date.fromisoformat(item.added_utc[:10])
