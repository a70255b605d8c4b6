"""Choosing part of a case for a pack: by incident, by date, or both."""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from reclaim import times
from reclaim.locker import EvidenceItem, Incident, Locker
from reclaim.packs._export import PackError, PackReason

SUMMARY_CHARACTERS = 60  # of each chosen incident's summary, in what the pack covers


@dataclass(frozen=True)
class PackChoice:
    """The items and incidents chosen for a pack (export_pack's item_ids and incident_ids)."""

    item_ids: list[str]
    incident_ids: list[str]


def choose(
    box: Locker,
    incident_ids: Sequence[str] = (),
    since: str | None = None,
    until: str | None = None,
) -> PackChoice:
    """Return the chosen incidents (all if none) and their items within the dates.

    An item's date is when it was captured, sent (a message) or added; an incident's, when it
    happened (or was found); ``since`` and ``until`` are ISO dates, both included. An incident
    with no files (every under-18 incident is one) is chosen all the same.
    """
    known = {incident.id: incident for incident in box.incidents()}
    for incident_id in incident_ids:
        if incident_id not in known:
            raise PackError(f"there is no incident {incident_id} in this locker", PackReason.CHOICE)
    first, last = _date(since, "since"), _date(until, "until")
    if first and last and first > last:
        raise PackError(f"since ({since}) is after until ({until}): swap them", PackReason.CHOICE)

    def within(day: datetime.date | None) -> bool:
        return day is not None and (first is None or day >= first) and (last is None or day <= last)

    items = [
        item.id
        for item in box.items()
        if (not incident_ids or item.incident in incident_ids) and within(_evidence_date(item))
    ]
    incidents = list(incident_ids) or [i for i, found in known.items() if within(_on(found))]
    if not items and not incidents:
        raise PackError("nothing in the locker matches that choice", PackReason.NOTHING)
    return PackChoice(items, incidents)


def choose_items(
    box: Locker,
    incident_ids: Sequence[str] = (),
    since: str | None = None,
    until: str | None = None,
) -> list[str]:
    """Return the ids of the items ``choose`` picks (see there), in order."""
    return choose(box, incident_ids, since, until).item_ids


def scope_words(
    box: Locker,
    incident_ids: Sequence[str] = (),
    since: str | None = None,
    until: str | None = None,
) -> str:
    """Return what a pack of this choice covers, in words for its report (``export_pack``).

    Each chosen incident's summary stands on a line of its own: a line is a paragraph with
    its own direction in the report, so a summary in Arabic or Urdu keeps its order beside
    the English words (a PDF line mixing the two would not).
    """
    when = " ".join(
        f"{word} {times.english(day)}" for word, day in (("from", since), ("until", until)) if day
    )
    if not incident_ids:
        return f"evidence {when}" if when else "the whole case"
    summaries = {incident.id: incident.summary for incident in box.incidents()}
    heading = "evidence of the chosen incidents" + (f", {when}" if when else "") + ":"
    return "\n".join([heading, *(_short(summaries[i]) for i in incident_ids)])


def _short(summary: str) -> str:
    words = " ".join(summary.split())
    if len(words) <= SUMMARY_CHARACTERS:
        return words
    return words[:SUMMARY_CHARACTERS].rstrip() + "…"


def _on(incident: Incident) -> datetime.date | None:
    when = incident.happened_on or incident.discovered_on
    try:
        return datetime.date.fromisoformat(when[:10]) if when else None
    except ValueError:
        return None


def _date(value: str | None, name: str) -> datetime.date | None:
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise PackError(
            f"{name} must be a date such as 2026-11-01, not {value!r}", PackReason.CHOICE
        ) from None


def _evidence_date(item: EvidenceItem) -> datetime.date:
    when = item.details.get("captured_utc") or item.details.get("sent_at") or ""
    try:
        return datetime.date.fromisoformat(when[:10])
    except ValueError:  # a sent time typed in some other form: fall back on when it was kept
        return datetime.date.fromisoformat(item.added_utc[:10])
